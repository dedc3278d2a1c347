"""Webhooks (回调通知): signing as Standard Webhooks says, subscriptions, the retry schedule."""
