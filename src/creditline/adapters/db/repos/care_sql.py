"""SQL of the care port: a holder's password hash (``parties.password_hash``), the service
figures posted per day, and the read models of the care pages: split timings (orders and the
``split.*`` events of the outbox), risk items (reviews and cases), devices and logins."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo
from creditline.service.care.care_ports import (
    DeviceSeen,
    LoginSeen,
    RiskItem,
    ServiceFigures,
    SplitTiming,
)

_sf = t.service_figures
_o = t.orders
_ev = t.events
_rd = t.risk_decisions
_lg = t.logins


def _instant(text: Any) -> datetime | None:
    """An ISO instant from an event's payload (None when missing or not one)."""
    if not isinstance(text, str):
        return None
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


class SqlCare(SqlRepo):
    """The ``care`` port on SQL."""

    def holder_password_hash(self, party_id: str) -> str | None:
        found = self._exec(
            select(t.parties.c.password_hash).where(t.parties.c.id == party_id)
        ).scalar()
        return None if found is None else str(found)

    def set_holder_password_hash(self, party_id: str, encoded: str) -> None:
        self._exec(
            update(t.parties).where(t.parties.c.id == party_id).values(password_hash=encoded)
        )

    def save_service_figures(self, figures: ServiceFigures, now: datetime) -> None:
        values = {
            "chats": figures.chats,
            "answered_within_30s": figures.answered_within_30s,
            "median_seconds": figures.median_seconds,
            "recorded_at": now,
        }
        postgres = self.session.conn.dialect.name == "postgresql"
        statement = (pg_insert if postgres else sqlite_insert)(_sf).values(
            party_id=figures.party_id, day=figures.day, **values
        )
        self._exec(
            statement.on_conflict_do_update(index_elements=[_sf.c.party_id, _sf.c.day], set_=values)
        )

    def service_figures(self, party_id: str, since: date) -> list[ServiceFigures]:
        rows = self._exec(
            select(_sf).where(_sf.c.party_id == party_id, _sf.c.day >= since).order_by(_sf.c.day)
        )
        return [
            ServiceFigures(r.party_id, r.day, r.chats, r.answered_within_30s, r.median_seconds)
            for r in rows
        ]

    def split_timings(self, party_id: str, since: datetime) -> list[SplitTiming]:
        orders = self._exec(
            select(_o.c.id, _o.c.split_due_at).where(
                _o.c.merchant_id == party_id,
                _o.c.split_due_at.is_not(None),
                _o.c.confirmed_at >= since,
            )
        ).all()
        if not orders:
            return []
        first_due: dict[str, datetime] = {r.id: r.split_due_at for r in orders}
        done: dict[str, datetime] = {}
        events = self._exec(
            select(_ev.c.type, _ev.c.payload, _ev.c.created_at)
            .where(
                _ev.c.party_id == party_id,
                _ev.c.type.in_(["split.executed", "split.deferred"]),
                _ev.c.created_at >= since,
            )
            .order_by(_ev.c.id)
        )
        for e in events:
            payload = json.loads(e.payload)
            order = payload.get("order")
            if order not in first_due:
                continue
            if e.type == "split.executed":
                done.setdefault(order, e.created_at)
            else:  # a deferral moved the due time later: the first due time is what counts
                was = _instant(payload.get("was_due_at"))
                if was is not None and was < first_due[order]:
                    first_due[order] = was
        return [SplitTiming(o, first_due[o], done.get(o)) for o in sorted(first_due)]

    def risk_items(self, party_id: str, since: datetime) -> list[RiskItem]:
        reviews = self._exec(
            select(_rd.c.id, _rd.c.event, _rd.c.created_at, _rd.c.decided_at, _rd.c.review)
            .where(
                _rd.c.party_id == party_id,
                _rd.c.review != "none",
                or_(_rd.c.created_at >= since, _rd.c.review == "pending"),
            )
            .order_by(_rd.c.created_at)
        )
        out = [
            RiskItem(
                "review",
                r.id,
                r.event,
                r.created_at,
                None if r.review == "pending" else r.decided_at,
            )
            for r in reviews
        ]
        c, h = t.cases, t.case_history
        closed = (
            select(h.c.case_id, func.max(h.c.at).label("closed_at"))
            .where(h.c.action == "closed")
            .group_by(h.c.case_id)
            .subquery()
        )
        cases = self._exec(
            select(c.c.id, c.c.kind, c.c.status, c.c.opened_at, closed.c.closed_at)
            .select_from(c.outerjoin(closed, closed.c.case_id == c.c.id))
            .where(c.c.party_id == party_id, or_(c.c.opened_at >= since, c.c.status == "open"))
            .order_by(c.c.opened_at)
        )
        for r in cases:
            handled = None if r.status == "open" else r.closed_at
            out.append(RiskItem("case", r.id, r.kind, r.opened_at, handled))
        return out

    def devices(self, party_id: str) -> list[DeviceSeen]:
        rows = self._exec(
            select(
                _lg.c.device,
                func.min(_lg.c.at).label("first_seen"),
                func.max(_lg.c.at).label("last_seen"),
                func.count().label("logins"),
            )
            .where(_lg.c.party_id == party_id)
            .group_by(_lg.c.device)
            .order_by(func.max(_lg.c.at).desc(), _lg.c.device)
        )
        return [DeviceSeen(r.device, r.first_seen, r.last_seen, int(r.logins)) for r in rows]

    def logins_since(self, party_id: str, since: datetime) -> list[LoginSeen]:
        decided = and_(
            _rd.c.party_id == _lg.c.party_id, _rd.c.subject == _lg.c.id, _rd.c.event == "login"
        )
        rows = self._exec(
            select(
                _lg.c.id,
                _lg.c.device,
                _lg.c.ip,
                _lg.c.device_new,
                _lg.c.ip_new,
                _lg.c.at,
                _rd.c.outcome,
            )
            .select_from(_lg.outerjoin(_rd, decided))
            .where(_lg.c.party_id == party_id, _lg.c.at >= since)
            .order_by(_lg.c.at.desc(), _lg.c.id)
        )
        return [
            LoginSeen(
                r.id,
                r.device,
                r.ip,
                bool(r.device_new),
                bool(r.ip_new),
                r.at,
                r.outcome,
            )
            for r in rows
        ]
