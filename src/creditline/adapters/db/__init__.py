"""SQL storage on SQLite (embedded, WAL) and PostgreSQL."""
