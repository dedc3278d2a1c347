"""Access and delivery: operators and roles, API keys kept as hashes, the append-only audit log,
HTTP idempotency, webhook endpoints with deliveries and attempts, the outbox cursor, and alerts.

Revision ID: 0007
Revises: 0006

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out, names wrapped in ``op.f`` so
that no naming convention can rename them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


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
        "operators",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_operators")),
        sa.CheckConstraint(
            "role IN ('risk', 'operations', 'admin')", name=op.f("ck_operators_role")
        ),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("hint", sa.String(16), nullable=False),
        sa.Column(
            "party_id",
            sa.String(40),
            sa.ForeignKey("parties.id", name=op.f("fk_api_keys_party_id_parties")),
        ),
        sa.Column(
            "operator",
            sa.String(64),
            sa.ForeignKey("operators.name", name=op.f("fk_api_keys_operator_operators")),
        ),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("revoked_at", UTC_TIME),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_keys_secret_hash")),
        sa.CheckConstraint(
            "(party_id IS NULL) <> (operator IS NULL)", name=op.f("ck_api_keys_owner")
        ),
    )
    op.create_index(op.f("ix_api_keys_party_id"), "api_keys", ["party_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    append_only("audit_log")
    op.create_table(
        "api_idempotency",
        sa.Column("principal", sa.String(80), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name=op.f("pk_api_idempotency")),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("enabled_events", sa.Text, nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("after_event", sa.Integer, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("failing_since", UTC_TIME),
        sa.Column("disabled_at", UTC_TIME),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
        sa.CheckConstraint(
            "status IN ('enabled', 'disabled')", name=op.f("ck_webhook_endpoints_status")
        ),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "endpoint_id",
            sa.String(40),
            sa.ForeignKey(
                "webhook_endpoints.id",
                name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ),
            nullable=False,
        ),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("line_id", sa.String(40)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTC_TIME, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("delivered_at", UTC_TIME),
        sa.PrimaryKeyConstraint("endpoint_id", "event_id", name=op.f("pk_webhook_deliveries")),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')",
            name=op.f("ck_webhook_deliveries_status"),
        ),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_due"), "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        op.f("ix_webhook_deliveries_line"),
        "webhook_deliveries",
        ["endpoint_id", "line_id", "event_id"],
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column(
            "endpoint_id",
            sa.String(40),
            sa.ForeignKey(
                "webhook_endpoints.id",
                name=op.f("fk_webhook_attempts_endpoint_id_webhook_endpoints"),
            ),
            nullable=False,
        ),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_table(
        "outbox_cursors",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("last_event", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_outbox_cursors")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column(
            "line_id",
            sa.String(40),
            sa.ForeignKey("lines.id", name=op.f("fk_alerts_line_id_lines")),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.Column("opened_at", UTC_TIME, nullable=False),
        sa.Column("closed_at", UTC_TIME),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.CheckConstraint("level IN ('yellow', 'red')", name=op.f("ck_alerts_level")),
    )
    clause = sa.text("closed_at IS NULL")
    op.create_index(
        op.f("uq_alerts_open"),
        "alerts",
        ["line_id", "kind"],
        unique=True,
        sqlite_where=clause,
        postgresql_where=clause,
    )


def downgrade() -> None:
    for table in (
        "alerts",
        "outbox_cursors",
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_endpoints",
        "api_idempotency",
        "audit_log",
        "api_keys",
        "operators",
    ):
        op.drop_table(table)  # indexes and triggers go with them
