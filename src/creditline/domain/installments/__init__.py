"""Installments (分期购): a shopper's purchase paid over 3, 6 or 12 monthly periods."""
