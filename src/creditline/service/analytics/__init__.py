"""Batch analytics (批量分析): platform-wide jobs over a staged copy of the ledger."""
