"""Tables of the holder's care pages (自测清单, 安全中心): the customer-service figures the
platform posts for each holder, one row per day (a repeat replaces it). The holder's password
hash is a column of ``parties`` (tables.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import UtcDateTime


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata)."""
    out: dict[str, Any] = {}
    out["service_figures"] = table(
        "service_figures",
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("chats", sa.Integer, nullable=False),
        sa.Column("answered_within_30s", sa.Integer, nullable=False),
        sa.Column("median_seconds", sa.Integer, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("party_id", "day"),
        sa.CheckConstraint(
            "chats >= 0 AND answered_within_30s >= 0 AND answered_within_30s <= chats "
            "AND median_seconds >= 0",
            name="figures",
        ),
    )
    return out
