"""Credit assessments: consumers' credit applications and the recorded limit assessments (both
append-only); a policy value may be up to 200 characters (score bands of limits).

Revision ID: 0011
Revises: 0010

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
TENANT = "default"
APPEND_ONLY = ("credit_applications", "limit_assessments")


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


def _party(table: str) -> sa.Column[str]:
    return sa.Column(
        "party_id",
        sa.String(40),
        sa.ForeignKey("parties.id", name=op.f(f"fk_{table}_party_id_parties")),
        nullable=False,
    )


def _policy_value(length: int) -> None:
    """``policy_changes.value`` as VARCHAR(``length``). SQLite rebuilds the table, which drops
    its append-only triggers with it: they are made again."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("policy_changes") as batch:
        batch.alter_column(
            "value",
            existing_type=sa.String(200 if length == 40 else 40),
            type_=sa.String(length),
            existing_nullable=False,
        )
    if sqlite:
        append_only("policy_changes")


def upgrade() -> None:
    op.create_table(
        "credit_applications",
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False),
        _party("credit_applications"),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("submitted_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_credit_applications")),
        sa.UniqueConstraint("id", name=op.f("uq_credit_applications_id")),
    )
    op.create_table(
        "limit_assessments",
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False),
        _party("limit_assessments"),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("product", sa.String(24), nullable=False),
        sa.Column("scorecard_version", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("proposed_limit", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("assessed_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_limit_assessments")),
        sa.UniqueConstraint("id", name=op.f("uq_limit_assessments_id")),
        sa.CheckConstraint(
            "kind IN ('merchant', 'consumer')", name=op.f("ck_limit_assessments_kind")
        ),
        sa.CheckConstraint(
            "product IN ('merchant_bnpl', 'installment')",
            name=op.f("ck_limit_assessments_product"),
        ),
        sa.CheckConstraint(
            "decision IN ('approve', 'refer')", name=op.f("ck_limit_assessments_decision")
        ),
        sa.CheckConstraint("proposed_limit >= 0", name=op.f("ck_limit_assessments_proposed_limit")),
    )
    op.create_index(
        "ix_credit_applications_party_id",
        "credit_applications",
        ["party_id", "seq"],
    )
    op.create_index(
        "ix_limit_assessments_party_id",
        "limit_assessments",
        ["party_id", "product", "seq"],
    )
    for table in APPEND_ONLY:
        append_only(table)
    _policy_value(200)


def downgrade() -> None:
    _policy_value(40)
    op.drop_table("limit_assessments")
    op.drop_table("credit_applications")
