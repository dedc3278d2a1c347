"""The port of the operator desk (风控工作台): platform-wide counts and lists read for the
dashboard, and a line's audit trail, events and the stored rings. Reads only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from creditline.domain.settlement.payouts import PayoutRecord
from creditline.service.access.access_ports import AuditRecord
from creditline.service.quota.alert_ports import StoredAlert


class DeskRepo(Protocol):
    def spend_outcomes(self, start: datetime, end: datetime) -> dict[str, int]:
        """Spends asked for in ``[start, end)``: ``total``, ``declined`` (refused when asked:
        by the quota rules or the risk rules) and ``review`` (held for an operator)."""

    def review_backlog(self) -> tuple[int, datetime | None]:
        """How many decisions wait for an operator, and when the oldest was made."""

    def open_alerts_at(self, level: str, limit: int) -> tuple[int, list[StoredAlert]]:
        """How many alerts of ``level`` are open, and the oldest ``limit`` of them."""

    def failing_payouts(self, limit: int) -> tuple[int, list[PayoutRecord]]:
        """How many unpaid payouts failed at their last attempt, and the oldest ``limit``."""

    def line_audit(
        self, line_id: str, after: int, limit: int, *, newest: bool = False
    ) -> list[AuditRecord]:
        """Audit records after ``after`` (oldest first; the latest first with ``newest``) whose
        target is the line, one of its holds, occupancies or freezes, or a risk decision on
        it."""

    def line_events(
        self, line_id: str, after: int, limit: int, *, newest: bool = False
    ) -> list[dict[str, Any]]:
        """The line's events after id ``after``, oldest first (as ``EventRepo.events``); the
        latest first with ``newest``."""

    def rings(self, limit: int) -> list[dict[str, Any]]:
        """Stored rings, last seen first: id, members, score, pattern, evidence, case, seen."""
