"""Periodic limit reviews (额度复审): review runs and their per-line outcomes (append-only); the
required documents are a policy value (no table).

Revision ID: 0013
Revises: 0012

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
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
        "review_runs",
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False, server_default=""),
        sa.Column("party_id", sa.String(40), nullable=True),
        sa.Column("policy_version", sa.String(40), nullable=False, server_default=""),
        sa.Column("counts", sa.Text, nullable=False, server_default="{}"),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_review_runs")),
        sa.UniqueConstraint("id", name=op.f("uq_review_runs_id")),
        sa.CheckConstraint("source IN ('manual', 'schedule')", name=op.f("ck_review_runs_source")),
    )
    op.create_table(
        "review_outcomes",
        sa.Column(
            "line_id",
            sa.String(40),
            sa.ForeignKey("lines.id", name=op.f("fk_review_outcomes_line_id_lines")),
            nullable=False,
        ),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("party_id", sa.String(40), nullable=False),
        sa.Column("review_id", sa.String(40), nullable=True),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("from_limit", sa.BigInteger, nullable=False),
        sa.Column("to_limit", sa.BigInteger, nullable=False),
        sa.Column("base_limit", sa.BigInteger, nullable=False),
        sa.Column("pending", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("facts", sa.Text, nullable=False, server_default="{}"),
        sa.Column("change_id", sa.String(48), nullable=True),
        sa.Column("policy_version", sa.String(40), nullable=False, server_default=""),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("line_id", "n", name=op.f("pk_review_outcomes")),
        sa.CheckConstraint(
            "decision IN ('raised', 'lowered', 'unchanged')",
            name=op.f("ck_review_outcomes_decision"),
        ),
        sa.CheckConstraint(
            "from_limit >= 0 AND to_limit >= 0 AND base_limit >= 0 AND pending >= 0",
            name=op.f("ck_review_outcomes_amounts"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_review_outcomes_line_id_created_at", "review_outcomes", ["line_id", "created_at"]
    )
    op.create_index("ix_review_outcomes_review_id", "review_outcomes", ["review_id", "line_id"])
    append_only("review_outcomes")


def downgrade() -> None:
    op.drop_table("review_outcomes")
    op.drop_table("review_runs")
