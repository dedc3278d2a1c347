"""Risk: identifiers, logins, rule sets, scored events, labels, rings.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from creditline.adapters.db.ddl import append_only, create_indexes
from creditline.adapters.db.schema_risk import CUMULATIVE, INDEXES, define

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("holds", sa.Column("risk_features", sa.Text))
    op.add_column("holds", sa.Column("rule_set_version", sa.Integer))
    for name in CUMULATIVE:
        op.add_column("holds", sa.Column(name, sa.BigInteger))
    define(op.create_table)
    create_indexes(INDEXES)
    append_only("rule_sets")


def downgrade() -> None:
    for name, table, _, _ in INDEXES:
        if table in {"holds", "orders"}:
            op.drop_index(name, table_name=table)
    for name in (
        "ring_members",
        "rings",
        "risk_labels",
        "risk_decisions",
        "rule_sets",
        "logins",
        "party_identifiers",
    ):
        op.drop_table(name)
    with op.batch_alter_table("holds") as batch:
        for name in CUMULATIVE:
            batch.drop_column(name)
        batch.drop_column("rule_set_version")
        batch.drop_column("risk_features")
