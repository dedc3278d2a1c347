"""Settlement fixes: the receivable (应收) of after-sale refunds, goods that need no shipping,
automatic confirmation, provisional split and withdrawal dates.

Revision ID: 0004
Revises: 0003

Frozen: released databases were built by this file, so it never changes and never imports
creditline. Every type, default and name is written out as it was released, names wrapped in
``op.f`` so that no naming convention can rename them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RECEIVABLE_KIND = ("receivable", "debit", "应收商家款", "owed by the merchant (after-sale refunds)")
# (table, column): flags that are false for every row written before this revision.
FLAGS = [
    ("orders", "no_shipping"),
    ("orders", "auto_confirmed"),
    ("orders", "split_due_provisional"),
    ("settlements", "provisional"),
]


def upgrade() -> None:
    kinds = sa.table(
        "account_kinds",
        sa.column("code"),
        sa.column("normal_side"),
        sa.column("name_zh"),
        sa.column("name_en"),
    )
    keys = ("code", "normal_side", "name_zh", "name_en")
    op.bulk_insert(kinds, [dict(zip(keys, RECEIVABLE_KIND, strict=True))])
    # One statement on both backends, so that the CHECK comes with the column: SQLite cannot
    # add a constraint to a table that exists, only a column carrying one.
    op.execute(
        "ALTER TABLE funds_books ADD COLUMN receivable BIGINT DEFAULT '0' NOT NULL "
        "CONSTRAINT ck_funds_books_receivable CHECK (receivable >= 0)"
    )
    for table, column in FLAGS:
        op.add_column(table, sa.Column(column, sa.Boolean, nullable=False, server_default="0"))


def downgrade() -> None:
    for table, column in reversed(FLAGS):
        op.drop_column(table, column)
    # SQLite drops a column together with a CHECK of its own; PostgreSQL drops the CHECK.
    op.execute("ALTER TABLE funds_books DROP COLUMN receivable")
    kinds = sa.table("account_kinds", sa.column("code"))
    op.execute(kinds.delete().where(kinds.c.code == RECEIVABLE_KIND[0]))
