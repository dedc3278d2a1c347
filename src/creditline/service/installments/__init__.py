"""Installments (分期购): plans, repayments, returns, overdue, merchants' promotions."""
