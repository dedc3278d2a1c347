"""SQL of the operator desk's port: platform-wide counts for the dashboard (computed on read),
a line's audit trail and events, and the stored rings."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.risk.decisions import Review
from creditline.domain.settlement.payouts import PayoutRecord, PayoutStatus
from creditline.domain.workdays import iso_local
from creditline.service.access.access_ports import AuditRecord
from creditline.service.quota.alert_ports import StoredAlert

#: Children of a line carry its id's tail in theirs (``calls.line_of_child``).
CHILD_KINDS = ("hold", "occ", "frz")


def _alert(r: Any) -> StoredAlert:
    return StoredAlert(
        id=r.id,
        line_id=r.line_id,
        kind=r.kind,
        level=r.level,
        detail=json.loads(r.detail),
        opened_at=r.opened_at,
        closed_at=r.closed_at,
    )


class SqlDesk(SqlRepo):
    """The ``desk`` port on SQL."""

    def spend_outcomes(self, start: datetime, end: datetime) -> dict[str, int]:
        h, d = t.holds, t.risk_decisions
        window = and_(h.c.created_at >= start, h.c.created_at < end)
        declined = case((h.c.reasons != "[]", 1), else_=0)
        row = self._exec(select(func.count(), func.sum(declined)).where(window)).one()
        review = self._exec(
            select(func.count())
            .select_from(h.join(d, and_(d.c.subject == h.c.id, d.c.line_id == h.c.line_id)))
            .where(window, h.c.reasons == "[]", d.c.event == "spend", d.c.outcome == "review")
        ).scalar_one()
        return {"total": int(row[0] or 0), "declined": int(row[1] or 0), "review": int(review)}

    def review_backlog(self) -> tuple[int, datetime | None]:
        d = t.risk_decisions
        count, oldest = self._exec(
            select(func.count(), func.min(d.c.created_at)).where(d.c.review == Review.PENDING.value)
        ).one()
        return int(count or 0), oldest

    def open_alerts_at(self, level: str, limit: int) -> tuple[int, list[StoredAlert]]:
        a = t.alerts
        where = and_(a.c.level == level, a.c.closed_at.is_(None))
        count = self._exec(select(func.count()).where(where)).scalar_one()
        rows = self._exec(select(a).where(where).order_by(a.c.opened_at, a.c.id).limit(limit))
        return int(count), [_alert(r) for r in rows]

    def failing_payouts(self, limit: int) -> tuple[int, list[PayoutRecord]]:
        p = t.payouts
        where = and_(p.c.status == PayoutStatus.PENDING.value, p.c.failures_in_row > 0)
        count = self._exec(select(func.count()).where(where)).scalar_one()
        ids = list(
            self._exec(
                select(p.c.id).where(where).order_by(p.c.created_at, p.c.id).limit(limit)
            ).scalars()
        )
        records = self.uow.payouts.payout_records(ids)
        return int(count), sorted(records, key=lambda r: (r.created_at, r.payout.id))

    def line_audit(
        self, line_id: str, after: int, limit: int, *, newest: bool = False
    ) -> list[AuditRecord]:
        a, d = t.audit_log, t.risk_decisions
        tail = line_id.removeprefix("line_")
        decisions = select(d.c.id).where(d.c.line_id == line_id)
        mine = or_(
            a.c.target == line_id,
            *(a.c.target.startswith(f"{k}_{tail}", autoescape=True) for k in CHILD_KINDS),
            a.c.target.in_(decisions),
        )
        order = a.c.seq.desc() if newest else a.c.seq
        rows = self._exec(select(a).where(a.c.seq > after, mine).order_by(order).limit(limit))
        return [
            AuditRecord(
                r.at,
                r.actor,
                r.role,
                r.action,
                r.target,
                r.note,
                r.request_id,
                r.outcome,
                json.loads(r.detail),
                r.seq,
            )
            for r in rows
        ]

    def line_events(
        self, line_id: str, after: int, limit: int, *, newest: bool = False
    ) -> list[dict[str, Any]]:
        e = t.events
        order = e.c.id.desc() if newest else e.c.id
        rows = self._exec(
            select(e).where(e.c.line_id == line_id, e.c.id > after).order_by(order).limit(limit)
        )
        return [
            {
                "id": r.id,
                "type": r.type,
                "line": r.line_id,
                "party": r.party_id,
                "payload": json.loads(r.payload),
                "created_at": iso_local(r.created_at),
            }
            for r in rows
        ]

    def rings(self, limit: int) -> list[dict[str, Any]]:
        rg = t.rings
        rows = self._exec(select(rg).order_by(rg.c.last_seen.desc(), rg.c.id).limit(limit))
        return [
            {
                "id": r.id,
                "members": json.loads(r.members),
                "score": r.score,
                "pattern": r.pattern,
                "evidence": json.loads(r.evidence),
                "case": r.case_id,
                "first_seen": r.first_seen,
                "last_seen": r.last_seen,
            }
            for r in rows
        ]
