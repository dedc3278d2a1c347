"""Seeks for what is open on a line, so that ``why``, the exposure and the quota page stay flat
however many orders the line has had: an index of each line's open holds only (a line with
10,000 captured spends has a handful open; they were found by scanning all 10,000), and the
open-occupancy index made covering (``outstanding`` in it), so the count and total of the
line's open orders are read from the index alone.

Revision ID: 0018
Revises: 0017

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'authorized'")
OUTSTANDING = sa.text("outstanding > 0")


def upgrade() -> None:
    op.create_index(
        "ix_holds_open_line",
        "holds",
        ["line_id", "expires_at", "id"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.drop_index("ix_occupancies_open", table_name="occupancies")
    op.create_index(
        "ix_occupancies_open",
        "occupancies",
        ["line_id", "captured_at", "id", "outstanding"],
        sqlite_where=OUTSTANDING,
        postgresql_where=OUTSTANDING,
    )


def downgrade() -> None:
    op.drop_index("ix_occupancies_open", table_name="occupancies")
    op.create_index(
        "ix_occupancies_open",
        "occupancies",
        ["line_id", "captured_at", "id"],
        sqlite_where=OUTSTANDING,
        postgresql_where=OUTSTANDING,
    )
    op.drop_index("ix_holds_open_line", table_name="holds")
