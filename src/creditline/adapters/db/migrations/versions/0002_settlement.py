"""Settlement: orders, suppliers, split rules, the funds books, payouts, cases.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from creditline.adapters.db.ddl import append_only, create_indexes
from creditline.adapters.db.schema_settlement import FUNDS_ACCOUNT_KINDS, INDEXES, define

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "lines", sa.Column("fees_collected", sa.BigInteger, nullable=False, server_default="0")
    )
    kinds = sa.table(
        "account_kinds",
        sa.column("code"),
        sa.column("normal_side"),
        sa.column("name_zh"),
        sa.column("name_en"),
    )
    op.bulk_insert(kinds, FUNDS_ACCOUNT_KINDS)
    define(op.create_table)
    create_indexes(INDEXES)
    append_only("funds_transfers")


def downgrade() -> None:
    for name in (
        "cases",
        "channel_records",
        "payouts",
        "settlements",
        "funds_transfers",
        "funds_books",
        "split_rules",
        "suppliers",
        "orders",
    ):
        op.drop_table(name)
    kinds = sa.table("account_kinds", sa.column("code"))
    op.execute(kinds.delete().where(kinds.c.code.in_([k["code"] for k in FUNDS_ACCOUNT_KINDS])))
    with op.batch_alter_table("lines") as batch:
        batch.drop_column("fees_collected")
