"""Appeals (申诉): appeals and their steps (append-only); one open appeal per line.

Revision ID: 0012
Revises: 0011

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
TENANT = "default"


def append_only(table: str) -> None:
    """The database refuses UPDATE and DELETE on ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION creditline_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION creditline_append_only()"
    )


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column(
            "line_id",
            sa.String(40),
            sa.ForeignKey("lines.id", name=op.f("fk_appeals_line_id_lines")),
            nullable=False,
        ),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column(
            "party_id",
            sa.String(40),
            sa.ForeignKey("parties.id", name=op.f("fk_appeals_party_id_parties")),
            nullable=False,
        ),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False, server_default="{}"),
        sa.Column("submitted_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("decided_limit", sa.BigInteger, nullable=True),
        sa.Column("lifted_freezes", sa.Text, nullable=False, server_default="[]"),
        sa.Column("decision_note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.Column("decided_by", sa.String(120), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("line_id", "id", name=op.f("pk_appeals")),
        sa.CheckConstraint("status IN ('submitted', 'decided')", name=op.f("ck_appeals_status")),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('restore', 'partial', 'reject')",
            name=op.f("ck_appeals_outcome"),
        ),
        sa.CheckConstraint(
            "(status = 'submitted' AND outcome IS NULL AND decided_at IS NULL) OR "
            "(status = 'decided' AND outcome IS NOT NULL AND decided_at IS NOT NULL)",
            name=op.f("ck_appeals_decided"),
        ),
        sa.CheckConstraint(
            "decided_limit IS NULL OR decided_limit > 0", name=op.f("ck_appeals_decided_limit")
        ),
    )
    op.create_table(
        "appeal_steps",
        sa.Column("line_id", sa.String(40), nullable=False),
        sa.Column("appeal_id", sa.String(48), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False, server_default=""),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("line_id", "appeal_id", "n", name=op.f("pk_appeal_steps")),
        sa.ForeignKeyConstraint(
            ["line_id", "appeal_id"],
            ["appeals.line_id", "appeals.id"],
            name=op.f("fk_appeal_steps_line_id_appeals"),
        ),
    )
    op.create_index(
        "uq_appeals_open",
        "appeals",
        ["line_id"],
        unique=True,
        sqlite_where=sa.text("status = 'submitted'"),
        postgresql_where=sa.text("status = 'submitted'"),
    )
    op.create_index("ix_appeals_status_created_at", "appeals", ["status", "created_at"])
    op.create_index("ix_appeals_party_id", "appeals", ["party_id", "created_at"])
    append_only("appeal_steps")


def downgrade() -> None:
    op.drop_table("appeal_steps")
    op.drop_table("appeals")
