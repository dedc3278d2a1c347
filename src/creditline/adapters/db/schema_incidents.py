"""Tables of incidents (系统故障) and temporary quota (临时额度), migration 0014: the incidents,
the lines each covers with the freeze it put on each, and each line's temporary quotas (keyed
by line, as every table hot per line is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import TENANT, UtcDateTime


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata)."""
    out: dict[str, Any] = {}
    out["incidents"] = table(
        "incidents",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("opened_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("estimated_clear_at", UtcDateTime, nullable=True),
        sa.Column("closed_at", UtcDateTime, nullable=True),
        sa.Column("closed_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("close_note", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("status IN ('open', 'closed')", name="status"),
    )
    out["incident_lines"] = table(
        "incident_lines",
        sa.Column("incident_id", sa.String(40), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("freeze_id", sa.String(48), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "line_id"),
    )
    out["temporary_quotas"] = table(
        "temporary_quotas",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("ends_at", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        # The incident behind it (inc_...), or "operator" for a grant without one.
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(120), nullable=False, server_default=""),
        sa.Column("grant_change", sa.String(48), nullable=False),
        sa.Column("end_change", sa.String(48), nullable=False, server_default=""),
        sa.Column("ended_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("line_id", "id"),
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.CheckConstraint("ends_at > starts_at", name="ends"),
        sa.CheckConstraint("status IN ('active', 'ended')", name="status"),
    )
    return out


INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_incidents_status_opened_at", "incidents", ["status", "opened_at"], None),
    ("ix_incident_lines_line_id", "incident_lines", ["line_id"], None),
    ("ix_temporary_quotas_active_ends_at", "temporary_quotas", ["ends_at"], "status = 'active'"),
]
