"""Access (权限): roles, principals and the key hash."""
