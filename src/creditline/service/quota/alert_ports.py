"""Ports of the alerts (预警) on a line: each opens once per cause and closes when it clears."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from creditline.domain.money import Money
from creditline.domain.settlement.payouts import Payout


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An alert as stored: open while ``closed_at`` is None."""

    id: str
    line_id: str
    kind: str
    level: str  # yellow | red
    detail: dict[str, Any]
    opened_at: datetime
    closed_at: datetime | None = None


class AlertRepo(Protocol):
    """The alerts of lines, and the sales flow they are measured against."""

    def open_alerts(self, line_id: str) -> list[StoredAlert]:
        """The line's open alerts, oldest first."""

    def alerts(self, line_id: str, limit: int) -> list[StoredAlert]:
        """The line's alerts, open and closed, newest first, at most ``limit``."""

    def open_alert(self, alert: StoredAlert) -> None:
        """Store a newly opened alert (one open alert per line and kind)."""

    def update_alert(self, alert: StoredAlert) -> None:
        """Write an open alert's new level and detail, or its closing time."""

    def settled_sales(self, party_id: str, since: datetime, until: datetime) -> Money | None:
        """The holder's sales settled after ``since`` and by ``until``: the proceeds its
        splits took out of escrow, less the after-sale refunds taken back; None when that is
        not positive."""

    def failing_payouts(self, party_id: str) -> list[Payout]:
        """The holder's supplier payouts (its splits' money) still pending after a failed
        attempt, oldest first."""

    def lines_to_watch(self, after: str, limit: int) -> list[str]:
        """Ids of active lines and of lines with an open alert, after ``after``, in id order
        (for the alert job), at most ``limit``."""
