"""Answers that stay flat as a line grows: each line's balances at the end of each Beijing day
it moved (a running aggregate, so the quota history reads one row per day instead of replaying
the line's whole ledger), and an index of open occupancy only (repaid orders are skipped by
the seek, not scanned past).

Revision ID: 0017
Revises: 0016

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out. The rows of lines that moved
before this revision are filled in by ``schema.upgrade`` (it replays their ledgers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BALANCES = (
    "available",
    "held",
    "occupied",
    "frozen",
    "limit_minor",
    "fees_due",
    "fee_income",
    "fees_collected",
)


def upgrade() -> None:
    op.create_table(
        "line_day_ends",
        sa.Column("line_id", sa.String(40), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default="default"),
        sa.Column("seq", sa.BigInteger, nullable=False),
        *(sa.Column(c, sa.BigInteger, nullable=False) for c in BALANCES),
        sa.PrimaryKeyConstraint("line_id", "day", name="pk_line_day_ends"),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name="fk_line_day_ends_line_id_lines"),
    )
    op.create_index(
        "ix_occupancies_open",
        "occupancies",
        ["line_id", "captured_at", "id"],
        sqlite_where=sa.text("outstanding > 0"),
        postgresql_where=sa.text("outstanding > 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_occupancies_open", table_name="occupancies")
    op.drop_table("line_day_ends")
