"""Ledger tamper evidence: signed checkpoints of every book's head, and the signing keys.

Revision ID: 0005
Revises: 0004

Frozen once released: never edit it, never import creditline (only sqlalchemy, alembic and the
standard library), spell out every type, default and name (``op.f``); tests/test_migrations.py
checks that head equals the live tables and that a released database upgrades intact.

It follows 0004 (settlement fixes), which touches none of its tables. The heads of books that
already have transfers are signed by ``creditline init`` right after the upgrade, with the key
it finds or creates: a migration cannot reach a key kept outside the database, nor should it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# What creditline's UtcDateTime compiled to: DATETIME on SQLite, TIMESTAMP WITH TIME ZONE on
# PostgreSQL (the UTC conversion is the application's, not the schema's).
UTC_TIME = sa.DateTime(timezone=True)


def append_only(table: str) -> None:
    """The database refuses UPDATE and DELETE on ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    # The same function 0001 created; replaced with itself so that this file stands alone.
    op.execute(
        "CREATE OR REPLACE FUNCTION creditline_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION creditline_append_only()"
    )


def _ck(table: str, name: str, sql: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sql, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    op.create_table(
        "ledger_checkpoints",
        sa.Column("book_id", sa.String(40), nullable=False),
        sa.Column("book", sa.String(8), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", UTC_TIME, nullable=False),
        sa.Column("key_fingerprint", sa.String(32), nullable=False),
        sa.Column("signature", sa.String(88), nullable=False),
        sa.PrimaryKeyConstraint("book_id", "book", "seq", name=op.f("pk_ledger_checkpoints")),
        _ck("ledger_checkpoints", "book", "book IN ('line', 'funds')"),
        _ck("ledger_checkpoints", "seq", "seq > 0"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_keys",
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_ledger_keys")),
        _ck("ledger_keys", "algorithm", "algorithm IN ('ed25519')"),
    )
    append_only("ledger_checkpoints")
    append_only("ledger_keys")


def downgrade() -> None:
    # Dropping a table drops its triggers; the shared function stays for the older tables.
    op.drop_table("ledger_keys")
    op.drop_table("ledger_checkpoints")
