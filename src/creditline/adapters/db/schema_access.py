"""Tables of access and delivery: operators (操作员) and their roles, API keys stored as hashes,
the append-only audit log, responses kept under HTTP idempotency keys, webhook endpoints with
their deliveries and attempts, and the alerts (预警) each line has opened and closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import UtcDateTime

#: ``(name, table, columns, where)``: the indexes, partial ones with their condition.
INDEXES: list[tuple[str, str, tuple[str, ...], str | None]] = [
    ("uq_alerts_open", "alerts", ("line_id", "kind"), "closed_at IS NULL"),
    ("ix_webhook_deliveries_due", "webhook_deliveries", ("status", "next_attempt_at"), None),
    (
        "ix_webhook_deliveries_line",
        "webhook_deliveries",
        ("endpoint_id", "line_id", "event_id"),
        None,
    ),
    ("ix_api_keys_party_id", "api_keys", ("party_id",), None),
]


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata)."""
    out: dict[str, Any] = {}
    out["operators"] = table(
        "operators",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        # The pages' sign-in (0008): an argon2id hash, salt and parameters encoded in it.
        sa.Column("password_hash", sa.String(200)),
        sa.CheckConstraint("role IN ('risk', 'operations', 'admin')", name="role"),
    )
    # A key is shown once; only its SHA-256 is kept. It belongs to a party or an operator.
    out["api_keys"] = table(
        "api_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hint", sa.String(16), nullable=False),
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id")),
        sa.Column("operator", sa.String(64), sa.ForeignKey("operators.name")),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
        sa.CheckConstraint("(party_id IS NULL) <> (operator IS NULL)", name="owner"),
    )
    # Who did what, when, why, under which request (R28); the migration makes it append-only.
    out["audit_log"] = table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )
    # The first response to each (principal, Idempotency-Key), replayed for 24 h at least.
    out["api_idempotency"] = table(
        "api_idempotency",
        sa.Column("principal", sa.String(80), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("principal", "key"),
    )
    out["webhook_endpoints"] = table(
        "webhook_endpoints",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("enabled_events", sa.Text, nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("after_event", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("failing_since", UtcDateTime),
        sa.Column("disabled_at", UtcDateTime),
        sa.CheckConstraint("status IN ('enabled', 'disabled')", name="status"),
    )
    # One row per (endpoint, event): at least once, in order within a line.
    out["webhook_deliveries"] = table(
        "webhook_deliveries",
        sa.Column(
            "endpoint_id", sa.String(40), sa.ForeignKey("webhook_endpoints.id"), nullable=False
        ),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("line_id", sa.String(40)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("delivered_at", UtcDateTime),
        sa.PrimaryKeyConstraint("endpoint_id", "event_id"),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
    )
    out["webhook_attempts"] = table(
        "webhook_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "endpoint_id", sa.String(40), sa.ForeignKey("webhook_endpoints.id"), nullable=False
        ),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
    )
    # How far the worker has fanned the outbox out to endpoints.
    out["outbox_cursors"] = table(
        "outbox_cursors",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("last_event", sa.Integer, nullable=False),
    )
    # Each alert opens once per cause and closes when the cause clears.
    out["alerts"] = table(
        "alerts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime),
        sa.CheckConstraint("level IN ('yellow', 'red')", name="level"),
    )
    return out
