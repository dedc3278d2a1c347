"""Quota fixes: freeze ends that rest on estimated holidays, one open line per party and
product, and the history of the work on cases.

Revision ID: 0006
Revises: 0005

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out, names wrapped in ``op.f`` so
that no naming convention can rename them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# What creditline's UtcDateTime compiles to: DATETIME on SQLite, TIMESTAMP WITH TIME ZONE on
# PostgreSQL (the UTC conversion is the application's, not the schema's).
UTC_TIME = sa.DateTime(timezone=True)
OPEN_LINES = "status <> 'closed'"
DUPLICATE_OPEN_LINES = (
    "SELECT party_id, product, count(*) FROM lines WHERE status <> 'closed' "
    "GROUP BY party_id, product HAVING count(*) > 1 ORDER BY party_id, product"
)


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
    op.add_column(
        "freezes", sa.Column("ends_provisional", sa.Boolean, nullable=False, server_default="0")
    )
    _one_open_line_per_party_and_product()
    op.create_table(
        "case_history",
        sa.Column(
            "case_id",
            sa.String(40),
            sa.ForeignKey("cases.id", name=op.f("fk_case_history_case_id_cases")),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("assignee", sa.String(64)),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_case_history")),
        sa.CheckConstraint("action IN ('assigned', 'closed')", name=op.f("ck_case_history_action")),
        sa.CheckConstraint("seq > 0", name=op.f("ck_case_history_seq")),
    )
    append_only("case_history")


def _one_open_line_per_party_and_product() -> None:
    """The unique index cannot be built over duplicates, and which of two open lines to close
    is the platform's decision, not a migration's: so stop, and name them."""
    found = op.get_bind().execute(sa.text(DUPLICATE_OPEN_LINES)).all()
    if found:
        listed = ", ".join(f"{party} {product} ({n} open)" for party, product, n in found)
        raise RuntimeError(
            f"parties with more than one open line of a product: {listed}; close all but one "
            "of each, then upgrade again"
        )
    clause = sa.text(OPEN_LINES)
    op.create_index(
        op.f("uq_lines_party_id_product"),
        "lines",
        ["party_id", "product"],
        unique=True,
        sqlite_where=clause,
        postgresql_where=clause,
    )


def downgrade() -> None:
    op.drop_table("case_history")  # its triggers go with it
    op.drop_index(op.f("uq_lines_party_id_product"), table_name="lines")
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it): a batch copy would lose the
    # table's WITHOUT ROWID.
    op.drop_column("freezes", "ends_provisional")
