"""A running count of each line's open orders (``lines.open_orders``): the diagnosis and the
quota page said "10,000 orders" by counting 10,000 index entries; they now read one column,
kept by the transactions that open and close an occupancy. Filled here from the rows.

Revision ID: 0019
Revises: 0018

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "lines", sa.Column("open_orders", sa.Integer(), nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE lines SET open_orders = (SELECT count(*) FROM occupancies o "
        "WHERE o.line_id = lines.id AND o.outstanding > 0)"
    )


def downgrade() -> None:
    op.drop_column("lines", "open_orders")
