"""Access (权限): operators, API keys, the audit log, HTTP idempotency."""
