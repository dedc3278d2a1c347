"""DDL the migrations share: the triggers that make history append-only."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def append_only(table: str) -> None:
    """The database refuses UPDATE and DELETE on ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION creditline_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION creditline_append_only()"
    )


def create_indexes(indexes: list[tuple[str, str, list[str], str | None]]) -> None:
    """Create ``(name, table, columns, partial WHERE or None)``; ``uq_`` names are unique."""
    for name, table, columns, where in indexes:
        clause = sa.text(where) if where else None
        op.create_index(
            name,
            table,
            columns,
            unique=name.startswith("uq_"),
            sqlite_where=clause,
            postgresql_where=clause,
        )
