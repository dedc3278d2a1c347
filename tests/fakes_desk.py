"""The operator desk's port (``DeskRepo``) in memory: brute force over the fakes' rows."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from creditline.domain.settlement.payouts import PayoutRecord, PayoutStatus
from creditline.service.access.access_ports import AuditRecord
from creditline.service.quota.alert_ports import StoredAlert

CHILD_KINDS = ("hold", "occ", "frz")


class FakeDesk:
    """The ``desk`` port in memory."""

    def __init__(self, state: Any) -> None:
        self.s = state

    def spend_outcomes(self, start: datetime, end: datetime) -> dict[str, int]:
        rows = [r for r in self.s.holds.values() if start <= r["created_at"] < end]
        reviewed = {
            d.subject
            for d in self.s.decisions.values()
            if d.event == "spend" and d.outcome == "review"
        }
        declined = sum(1 for r in rows if r["reasons"])
        review = sum(1 for r in rows if not r["reasons"] and r["hold"].id in reviewed)
        return {"total": len(rows), "declined": declined, "review": review}

    def review_backlog(self) -> tuple[int, datetime | None]:
        pending = [d.created_at for d in self.s.decisions.values() if d.review == "pending"]
        return len(pending), min(pending, default=None)

    def open_alerts_at(self, level: str, limit: int) -> tuple[int, list[StoredAlert]]:
        found = sorted(
            (a for a in self.s.alerts.values() if a.level == level and a.closed_at is None),
            key=lambda a: (a.opened_at, a.id),
        )
        return len(found), copy.deepcopy(found[:limit])

    def failing_payouts(self, limit: int) -> tuple[int, list[PayoutRecord]]:
        rows = sorted(
            (
                r
                for r in self.s.payouts.values()
                if r["payout"].status is PayoutStatus.PENDING and r["payout"].failures_in_row > 0
            ),
            key=lambda r: (r["created_at"], r["payout"].id),
        )
        return len(rows), [
            PayoutRecord(r["payout"], r["created_at"], r["paid_at"]) for r in rows[:limit]
        ]

    def line_audit(
        self, line_id: str, after: int, limit: int, *, newest: bool = False
    ) -> list[AuditRecord]:
        tail = line_id.removeprefix("line_")
        decisions = {d.id for d in self.s.decisions.values() if d.line_id == line_id}
        log: list[AuditRecord] = self.s.access.get("audit", [])
        found = [
            r
            for r in log
            if r.seq > after
            and (
                r.target == line_id
                or r.target.startswith(tuple(f"{k}_{tail}" for k in CHILD_KINDS))
                or r.target in decisions
            )
        ]
        if newest:
            found.reverse()
        return copy.deepcopy(found[:limit])

    def line_events(
        self, line_id: str, after: int, limit: int, *, newest: bool = False
    ) -> list[dict[str, Any]]:
        found = [e for e in self.s.events if e["line"] == line_id and e["id"] > after]
        if newest:
            found.reverse()
        return copy.deepcopy(found[:limit])

    def rings(self, limit: int) -> list[dict[str, Any]]:
        found = sorted(self.s.rings.values(), key=lambda r: r["id"])
        out = []
        for ring in found[:limit]:
            row = copy.deepcopy(ring)
            row.setdefault("first_seen", self.s.now)
            row.setdefault("last_seen", self.s.now)
            out.append(row)
        return out
