"""Webhooks (回调通知): endpoints, delivery of the outbox, attempts."""
