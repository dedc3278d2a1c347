"""Tables of the work on cases (工单): each case's history, appended to and never edited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import UtcDateTime


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata)."""
    out: dict[str, Any] = {}
    # Who did what to a case, when, and why; the case row keeps only where it stands. The
    # migration makes it append-only, as an operator's audit trail must be (R28).
    out["case_history"] = table(
        "case_history",
        sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("assignee", sa.String(64)),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq"),
        sa.CheckConstraint("action IN ('assigned', 'closed')", name="action"),
        sa.CheckConstraint("seq > 0", name="seq"),
    )
    return out
