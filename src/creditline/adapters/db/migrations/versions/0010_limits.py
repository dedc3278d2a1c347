"""Limit changes (额度调整): a line's limit target (a lowered limit comes down as quota
frees) and the record of every limit change.

Revision ID: 0010
Revises: 0009

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("lines", sa.Column("limit_target", sa.BigInteger, nullable=True))
    op.create_table(
        "limit_changes",
        sa.Column(
            "line_id",
            sa.String(40),
            sa.ForeignKey("lines.id", name=op.f("fk_limit_changes_line_id_lines")),
            nullable=False,
        ),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default="default"),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("previous", sa.BigInteger, nullable=False),
        sa.Column("target", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False, server_default=""),
        sa.Column("source", sa.String(64), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("restore_zh", sa.Text, nullable=False, server_default=""),
        sa.Column("restore_en", sa.Text, nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("line_id", "id", name=op.f("pk_limit_changes")),
        sa.CheckConstraint("previous >= 0 AND target >= 0", name=op.f("ck_limit_changes_amounts")),
    )

    op.create_table(
        "limit_requests",
        sa.Column(
            "line_id",
            sa.String(40),
            sa.ForeignKey("lines.id", name=op.f("fk_limit_requests_line_id_lines")),
            nullable=False,
        ),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default="default"),
        sa.Column("party_id", sa.String(40), nullable=False),
        sa.Column("requested", sa.BigInteger, nullable=False),
        sa.Column("current", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assessment_id", sa.String(48), nullable=True),
        sa.Column("score", sa.Integer, nullable=True),
        sa.Column("proposed", sa.BigInteger, nullable=True),
        sa.Column("decided_limit", sa.BigInteger, nullable=True),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("change_id", sa.String(48), nullable=True),
        sa.Column("requested_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("decided_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("line_id", "id", name=op.f("pk_limit_requests")),
        sa.CheckConstraint(
            "status IN ('approved', 'partial', 'referred', 'declined')",
            name=op.f("ck_limit_requests_status"),
        ),
    )


def downgrade() -> None:
    op.drop_table("limit_requests")
    op.drop_table("limit_changes")
    op.execute("ALTER TABLE lines DROP COLUMN limit_target")
