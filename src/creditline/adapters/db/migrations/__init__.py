"""Alembic migrations; the same files run on SQLite and PostgreSQL."""
