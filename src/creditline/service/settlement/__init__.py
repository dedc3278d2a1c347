"""Use cases of settlement (分账): orders, split runs, the funds book, payouts, statements."""
