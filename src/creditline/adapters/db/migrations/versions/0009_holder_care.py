"""The holder's care pages: a holder (a party) may have an argon2id password set by an
operator, and the platform posts each holder's customer-service figures, one row per day.

Revision ID: 0009
Revises: 0008

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("parties", sa.Column("password_hash", sa.String(200), nullable=True))
    op.create_table(
        "service_figures",
        sa.Column(
            "party_id",
            sa.String(40),
            sa.ForeignKey("parties.id", name=op.f("fk_service_figures_party_id_parties")),
            nullable=False,
        ),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("chats", sa.Integer, nullable=False),
        sa.Column("answered_within_30s", sa.Integer, nullable=False),
        sa.Column("median_seconds", sa.Integer, nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("party_id", "day", name=op.f("pk_service_figures")),
        sa.CheckConstraint(
            "chats >= 0 AND answered_within_30s >= 0 AND answered_within_30s <= chats "
            "AND median_seconds >= 0",
            name=op.f("ck_service_figures_figures"),
        ),
    )


def downgrade() -> None:
    op.drop_table("service_figures")
    # A plain DROP COLUMN (SQLite 3.35+): no table rebuild, so the keys referring to
    # parties are left as they are.
    op.execute("ALTER TABLE parties DROP COLUMN password_hash")
