"""Tables of limit changes (额度调整): every change of a line's limit target, with why. The
target itself is a column of ``lines`` (tables.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import TENANT, UtcDateTime


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata)."""
    out: dict[str, Any] = {}
    out["limit_changes"] = table(
        "limit_changes",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
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
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("line_id", "id"),
        sa.CheckConstraint("previous >= 0 AND target >= 0", name="amounts"),
    )
    out["limit_requests"] = table(
        "limit_requests",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
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
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("line_id", "id"),
        sa.CheckConstraint(
            "status IN ('approved', 'partial', 'referred', 'declined')", name="status"
        ),
    )
    return out
