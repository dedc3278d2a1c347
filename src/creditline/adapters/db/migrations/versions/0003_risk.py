"""Risk (风控): identifiers, logins, rule sets, scored events, labels, rings.

Revision ID: 0003
Revises: 0002

Frozen: released databases were built by this file, so it never changes and never imports
creditline. Every type, default and name is written out as it was released, names wrapped in
``op.f`` so that no naming convention can rename them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TENANT = "default"
# What creditline's UtcDateTime compiled to: DATETIME on SQLite, TIMESTAMP WITH TIME ZONE on
# PostgreSQL (the UTC conversion is the application's, not the schema's).
UTC_TIME = sa.DateTime(timezone=True)
# The running totals each hold row carries, in this order, as released.
CUMULATIVE = (
    "cum_attempts",
    "cum_count",
    "cum_amount",
    "cum_declined",
    "cum_forbidden",
    "cum_near",
    "cum_counterparty",
)
INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_party_identifiers_kind_value", "party_identifiers", ["kind", "value"], None),
    ("ix_logins_party_id_at", "logins", ["party_id", "at"], None),
    ("ix_risk_decisions_pending", "risk_decisions", ["subject"], "review = 'pending'"),
    ("ix_holds_line_id_created_at", "holds", ["line_id", "created_at", "cum_attempts"], None),
    ("ix_holds_refunded", "holds", ["line_id", "created_at"], "refunded > 0"),
    ("ix_orders_merchant_id_created_at", "orders", ["merchant_id", "created_at"], None),
]


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


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _ck(table: str, name: str, sql: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sql, name=op.f(f"ck_{table}_{name}"))


def _party(table: str) -> sa.Column[str]:
    """The NOT NULL ``party_id`` that refers to ``parties``."""
    name = op.f(f"fk_{table}_party_id_parties")
    return sa.Column(
        "party_id", sa.String(40), sa.ForeignKey("parties.id", name=name), nullable=False
    )


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT)


def upgrade() -> None:
    op.add_column("holds", sa.Column("risk_features", sa.Text))
    op.add_column("holds", sa.Column("rule_set_version", sa.Integer))
    for name in CUMULATIVE:
        op.add_column("holds", sa.Column(name, sa.BigInteger))
    _identities()
    _decisions()
    for name, table, columns, where in INDEXES:
        clause = sa.text(where) if where else None
        op.create_index(
            op.f(name),
            table,
            columns,
            unique=name.startswith("uq_"),
            sqlite_where=clause,
            postgresql_where=clause,
        )
    append_only("rule_sets")


def _identities() -> None:
    op.create_table(
        "party_identifiers",
        _party("party_identifiers"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        _tenant(),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _pk("party_identifiers", "party_id", "kind", "value"),
        _ck("party_identifiers", "kind", "kind IN ('device', 'phone', 'bank_account', 'address')"),
    )
    op.create_table(
        "logins",
        _party("logins"),
        sa.Column("id", sa.String(48), nullable=False),
        _tenant(),
        sa.Column("device", sa.String(128), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("device_new", sa.Boolean, nullable=False),
        sa.Column("ip_new", sa.Boolean, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        _pk("logins", "party_id", "id"),
    )
    op.create_table(
        "rule_sets",
        sa.Column("version", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("loaded_at", UTC_TIME, nullable=False),
        _pk("rule_sets", "version"),
    )


def _decisions() -> None:
    op.create_table(
        "risk_decisions",
        sa.Column("party_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        _tenant(),
        sa.Column("line_id", sa.String(40)),
        sa.Column("event", sa.String(12), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("rule_set_version", sa.Integer, nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("features", sa.Text, nullable=False),
        sa.Column("review", sa.String(10), nullable=False, server_default="none"),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", UTC_TIME),
        sa.Column("note", sa.Text),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _pk("risk_decisions", "party_id", "id"),
        _ck("risk_decisions", "outcome", "outcome IN ('approve', 'review', 'decline')"),
        _ck("risk_decisions", "review", "review IN ('none', 'pending', 'approved', 'declined')"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "risk_labels",
        sa.Column("subject_kind", sa.String(8), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("label", sa.String(8), nullable=False),
        sa.Column("pattern", sa.String(24)),
        sa.Column("ring", sa.String(40)),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _pk("risk_labels", "subject_kind", "subject_id"),
        _ck("risk_labels", "subject_kind", "subject_kind IN ('party', 'event')"),
        _ck("risk_labels", "label", "label IN ('fraud', 'cleared')"),
    )
    op.create_table(
        "rings",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("members", sa.Text, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("pattern", sa.String(24), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("first_seen", UTC_TIME, nullable=False),
        sa.Column("last_seen", UTC_TIME, nullable=False),
        _pk("rings", "id"),
    )
    op.create_table(
        "ring_members",
        sa.Column("party_id", sa.String(40), nullable=False),
        sa.Column("ring_id", sa.String(40), nullable=False),
        _pk("ring_members", "party_id"),
    )


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
