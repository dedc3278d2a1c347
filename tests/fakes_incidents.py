"""In-memory fake of the incidents port (see ``tests/fakes.py``): incidents and temporary quotas
kept in the fake state's own attributes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from creditline.domain.errors import NotFound
from creditline.domain.quota.incidents import (
    Incident,
    IncidentStatus,
    TemporaryQuota,
    TemporaryStatus,
)

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeIncidents:
    """The ``incidents`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _kept(self, name: str) -> dict[Any, Any]:
        kept: dict[Any, Any] = self.s.__dict__.setdefault(name, {})
        return kept

    def insert_incident(self, incident: Incident) -> None:
        self._kept("incidents")[incident.id] = incident

    def get_incident(self, incident_id: str) -> Incident:
        found = self._kept("incidents").get(incident_id)
        if found is None:
            raise NotFound("incident", f"incident: no such incident {incident_id[:80]!r}")
        return found  # type: ignore[no-any-return]

    def list_incidents(self, status: str | None, limit: int) -> list[Incident]:
        found = [i for i in self._kept("incidents").values() if status in (None, i.status.value)]
        found.sort(key=lambda i: (i.opened_at, i.id), reverse=True)
        return found[:limit]

    def close_incident(
        self, incident_id: str, *, closed_at: datetime, closed_by: str, note: str
    ) -> None:
        kept = self._kept("incidents")
        found = kept[incident_id]
        if found.status is IncidentStatus.OPEN:
            kept[incident_id] = replace(
                found,
                status=IncidentStatus.CLOSED,
                closed_at=closed_at,
                closed_by=closed_by,
                close_note=note,
            )

    def open_incidents_of(self, line_id: str) -> list[Incident]:
        found = [
            i
            for i in self._kept("incidents").values()
            if i.status is IncidentStatus.OPEN and any(x.line_id == line_id for x in i.lines)
        ]
        return sorted(found, key=lambda i: (i.opened_at, i.id))

    def insert_temporary(self, quota: TemporaryQuota) -> None:
        self._kept("temporary_quotas")[(quota.line_id, quota.id)] = quota

    def temporaries_of(self, line_id: str) -> list[TemporaryQuota]:
        found = [q for (line, _), q in self._kept("temporary_quotas").items() if line == line_id]
        return sorted(found, key=lambda q: (q.starts_at, q.id), reverse=True)

    def end_temporary(
        self, line_id: str, quota_id: str, *, ended_at: datetime, change_id: str
    ) -> None:
        kept = self._kept("temporary_quotas")
        found = kept[(line_id, quota_id)]
        if found.status is TemporaryStatus.ACTIVE:
            kept[(line_id, quota_id)] = replace(
                found, status=TemporaryStatus.ENDED, ended_at=ended_at, end_change=change_id
            )

    def due_temporaries(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = [
            q
            for q in self._kept("temporary_quotas").values()
            if q.status is TemporaryStatus.ACTIVE and q.ends_at <= now
        ]
        due.sort(key=lambda q: (q.ends_at, q.line_id, q.id))
        return [(q.line_id, q.id) for q in due[:limit]]
