"""SQL of reference data: clock, policy, calendar, settings, event outbox, idempotent answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo, stored_response
from creditline.domain.policy import Policy, PolicyChange
from creditline.domain.workdays import WorkCalendar, iso_local
from creditline.service.reference_ports import StoredResponse


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class SqlReference(SqlRepo):
    """The ``reference`` port on SQL."""

    def now(self) -> datetime:
        if self.session.now is None:
            if self.db.sandbox:
                value = self._exec(
                    select(t.meta.c.value).where(t.meta.c.key == "clock_now")
                ).scalar_one()
                self.session.now = datetime.fromisoformat(value)
            else:
                self.session.now = self.db.wall_clock()
        return self.session.now

    def is_sandbox(self) -> bool:
        return self.db.sandbox

    def set_clock(self, at: datetime) -> None:
        self._exec(update(t.meta).where(t.meta.c.key == "clock_now").values(value=at.isoformat()))
        self.session.now = at

    def policy(self, at: datetime, seq: int | None = None) -> Policy:
        changes = self.policy_changes(seq)
        return self.db.policy_in_force(changes, at)

    def policy_changes(self, seq: int | None = None) -> list[PolicyChange]:
        if seq is None:
            seq = int(self._exec(select(func.max(t.policy_changes.c.version))).scalar_one() or 0)
        return self.db.policy_changes(seq, self.uow)

    def insert_policy_change(
        self, key: str, value: str, effective_at: datetime, note: str, now: datetime
    ) -> int:
        result = self._exec(
            insert(t.policy_changes).returning(t.policy_changes.c.version),
            {
                "key": key,
                "value": value,
                "effective_at": effective_at,
                "recorded_at": now,
                "note": note,
            },
        )
        return int(result.scalar_one())

    def calendar(self) -> WorkCalendar:
        return self.db.calendar(self.uow)

    def save_calendar_days(
        self, days: dict[date, tuple[bool, str]], source: str, now: datetime
    ) -> None:
        self._exec(t.calendar_days.delete().where(t.calendar_days.c.day.in_(list(days))))
        self._exec(
            insert(t.calendar_days),
            [
                {"day": d, "is_workday": w, "name": n[:40], "source": source[:80], "loaded_at": now}
                for d, (w, n) in sorted(days.items())
            ],
        )
        self.db.forget_calendar()

    def meta_value(self, key: str) -> str | None:
        return _text(
            self._exec(select(t.meta.c.value).where(t.meta.c.key == key)).scalar_one_or_none()
        )

    def set_meta_value(self, key: str, value: str) -> None:
        if self.meta_value(key) is None:
            self._exec(insert(t.meta), {"key": key, "value": value})
        else:
            self._exec(update(t.meta).where(t.meta.c.key == key).values(value=value))

    def load_policy_changes(self) -> list[PolicyChange]:
        rows = self._exec(select(t.policy_changes).order_by(t.policy_changes.c.version))
        return [PolicyChange(r.version, r.key, r.value, r.effective_at, r.note) for r in rows]

    def load_calendar_days(self) -> dict[date, tuple[bool, str]]:
        rows = self._exec(select(t.calendar_days))
        return {r.day: (bool(r.is_workday), r.name) for r in rows}


class SqlEvents(SqlRepo):
    """The ``events`` port on SQL."""

    def emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        line_id: str | None = None,
        party_id: str | None = None,
    ) -> int:
        result = self._exec(
            insert(t.events).returning(t.events.c.id),
            {
                "type": event_type,
                "line_id": line_id,
                "party_id": party_id,
                "payload": json.dumps(payload, ensure_ascii=False, default=str),
                "created_at": now,
            },
        )
        return int(result.scalar_one())

    def count_events(self, event_types: Sequence[str]) -> dict[str, int]:
        e = t.events
        query = select(e.c.type, func.count()).where(e.c.type.in_(list(event_types)))
        return {str(k): int(n) for k, n in self._exec(query.group_by(e.c.type))}

    def events(self, event_type: str | None, after: int, limit: int) -> list[dict[str, Any]]:
        query = select(t.events).where(t.events.c.id > after)
        if event_type is not None:
            query = query.where(t.events.c.type == event_type)
        rows = self._exec(query.order_by(t.events.c.id).limit(limit))
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


class SqlIdempotency(SqlRepo):
    """The ``idempotency`` port on SQL."""

    def find_response(self, scope: str, key: str) -> StoredResponse | None:
        row = self.cursor.execute(hp.SELECT_RESPONSE, {"scope": scope, "key": key}).fetchone()
        return None if row is None else stored_response(row[0], row[1], row[2])

    def save_response(
        self,
        scope: str,
        key: str,
        request_hash: str,
        body: dict[str, Any],
        *,
        refused: bool,
        now: datetime,
    ) -> None:
        self.cursor.write(
            hp.INSERT_RESPONSE,
            [
                {
                    "scope": scope,
                    "key": key,
                    "request_hash": request_hash,
                    "body": json.dumps(body, ensure_ascii=False),
                    "refused": refused,
                    "created_at": self.cursor.time(now),
                }
            ],
        )
