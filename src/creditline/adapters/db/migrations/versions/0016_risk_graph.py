"""Cash-out detection v2: login IPs are identifiers (a party's login IP joins its device, phone,
bank account and address), and learned risk models are versioned like rule sets.

Revision ID: 0016
Revises: 0015

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
OLD_KINDS = "'device', 'phone', 'bank_account', 'address'"
NEW_KINDS = OLD_KINDS + ", 'login_ip'"


def _kinds(kinds: str) -> None:
    with op.batch_alter_table("party_identifiers") as batch:
        batch.drop_constraint("ck_party_identifiers_kind", type_="check")
        batch.create_check_constraint("ck_party_identifiers_kind", sa.text(f"kind IN ({kinds})"))


def upgrade() -> None:
    _kinds(NEW_KINDS)
    op.create_table(
        "risk_models",
        sa.Column("version", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("loaded_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_risk_models"),
    )


def downgrade() -> None:
    op.drop_table("risk_models")
    op.execute("DELETE FROM party_identifiers WHERE kind = 'login_ip'")
    _kinds(OLD_KINDS)
