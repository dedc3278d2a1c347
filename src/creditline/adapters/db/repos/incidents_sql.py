"""SQL of the incidents port: incidents (系统故障) with their lines, and the lines' temporary
quotas (临时额度)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.errors import NotFound
from creditline.domain.money import Money
from creditline.domain.quota.incidents import (
    Incident,
    IncidentLine,
    IncidentStatus,
    TemporaryQuota,
    TemporaryStatus,
)

_i = t.incidents
_il = t.incident_lines
_tq = t.temporary_quotas
# The quota page's reads, built once with bound parameters.
_TEMPORARIES_OF = FastSelect(
    select(_tq)
    .where(_tq.c.line_id == bindparam("line_id"))
    .order_by(_tq.c.starts_at.desc(), _tq.c.id.desc())
)
_OPEN_INCIDENTS_OF = FastSelect(
    select(_i)
    .join(_il, _il.c.incident_id == _i.c.id)
    .where(_il.c.line_id == bindparam("line_id"), _i.c.status == IncidentStatus.OPEN.value)
    .order_by(_i.c.opened_at, _i.c.id)
)


def _incident(r: Any, lines: Iterable[IncidentLine]) -> Incident:
    return Incident(
        id=r.id,
        title=r.title,
        note=r.note,
        status=IncidentStatus(r.status),
        opened_at=r.opened_at,
        opened_by=r.opened_by,
        estimated_clear_at=r.estimated_clear_at,
        lines=tuple(lines),
        closed_at=r.closed_at,
        closed_by=r.closed_by,
        close_note=r.close_note,
    )


def _temporary(r: Any) -> TemporaryQuota:
    return TemporaryQuota(
        line_id=r.line_id,
        id=r.id,
        amount=Money(int(r.amount), r.currency),
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        source=r.source,
        status=TemporaryStatus(r.status),
        note=r.note,
        actor=r.actor,
        grant_change=r.grant_change,
        end_change=r.end_change,
        ended_at=r.ended_at,
    )


class SqlIncidents(SqlRepo):
    """The ``incidents`` port on SQL."""

    def insert_incident(self, incident: Incident) -> None:
        self._exec(
            insert(_i),
            {
                "id": incident.id,
                "title": incident.title,
                "note": incident.note,
                "status": incident.status.value,
                "opened_at": incident.opened_at,
                "opened_by": incident.opened_by,
                "estimated_clear_at": incident.estimated_clear_at,
                "closed_at": incident.closed_at,
                "closed_by": incident.closed_by,
                "close_note": incident.close_note,
            },
        )
        if incident.lines:
            self._exec(
                insert(_il),
                [
                    {"incident_id": incident.id, "line_id": x.line_id, "freeze_id": x.freeze_id}
                    for x in incident.lines
                ],
            )

    def _with_lines(self, rows: list[Any]) -> list[Incident]:
        if not rows:
            return []
        found: dict[str, list[IncidentLine]] = defaultdict(list)
        links = self._exec(
            select(_il.c.incident_id, _il.c.line_id, _il.c.freeze_id)
            .where(_il.c.incident_id.in_([r.id for r in rows]))
            .order_by(_il.c.incident_id, _il.c.line_id)
        )
        for link in links:
            found[link.incident_id].append(IncidentLine(link.line_id, link.freeze_id))
        return [_incident(r, found[r.id]) for r in rows]

    def get_incident(self, incident_id: str) -> Incident:
        row = self._exec(select(_i).where(_i.c.id == incident_id)).first()
        if row is None:
            raise NotFound("incident", f"incident: no such incident {incident_id[:80]!r}")
        return self._with_lines([row])[0]

    def list_incidents(self, status: str | None, limit: int) -> list[Incident]:
        query = select(_i).order_by(_i.c.opened_at.desc(), _i.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(_i.c.status == status)
        return self._with_lines(list(self._exec(query)))

    def close_incident(
        self, incident_id: str, *, closed_at: datetime, closed_by: str, note: str
    ) -> None:
        self._exec(
            update(_i)
            .where(_i.c.id == incident_id, _i.c.status == IncidentStatus.OPEN.value)
            .values(
                status=IncidentStatus.CLOSED.value,
                closed_at=closed_at,
                closed_by=closed_by,
                close_note=note,
            )
        )

    @staticmethod
    def line_reads(line_id: str) -> list[tuple[FastSelect, dict[str, Any]]]:
        """The reads of ``line_id`` a page makes here (``SqlUnitOfWork.read_ahead``)."""
        return [(_OPEN_INCIDENTS_OF, {"line_id": line_id}), (_TEMPORARIES_OF, {"line_id": line_id})]

    def open_incidents_of(self, line_id: str) -> list[Incident]:
        return self._with_lines(list(self._exec(_OPEN_INCIDENTS_OF, {"line_id": line_id})))

    def insert_temporary(self, quota: TemporaryQuota) -> None:
        self._exec(
            insert(_tq),
            {
                "line_id": quota.line_id,
                "id": quota.id,
                "amount": quota.amount.minor,
                "currency": quota.amount.currency,
                "starts_at": quota.starts_at,
                "ends_at": quota.ends_at,
                "status": quota.status.value,
                "source": quota.source,
                "note": quota.note,
                "actor": quota.actor,
                "grant_change": quota.grant_change,
                "end_change": quota.end_change,
                "ended_at": quota.ended_at,
            },
        )

    def temporaries_of(self, line_id: str) -> list[TemporaryQuota]:
        rows = self._exec(_TEMPORARIES_OF, {"line_id": line_id})
        return [_temporary(r) for r in rows]

    def end_temporary(
        self, line_id: str, quota_id: str, *, ended_at: datetime, change_id: str
    ) -> None:
        self._exec(
            update(_tq)
            .where(
                _tq.c.line_id == line_id,
                _tq.c.id == quota_id,
                _tq.c.status == TemporaryStatus.ACTIVE.value,
            )
            .values(status=TemporaryStatus.ENDED.value, ended_at=ended_at, end_change=change_id)
        )

    def due_temporaries(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._exec(
            select(_tq.c.line_id, _tq.c.id)
            .where(_tq.c.status == TemporaryStatus.ACTIVE.value, _tq.c.ends_at <= now)
            .order_by(_tq.c.ends_at, _tq.c.line_id, _tq.c.id)
            .limit(limit)
        )
        return [(r.line_id, r.id) for r in rows]
