"""The port of incidents (系统故障) and temporary quota (临时额度): incidents with the lines they
cover and the freeze each got, and each line's temporary quotas."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from creditline.domain.quota.incidents import Incident, TemporaryQuota


class IncidentRepo(Protocol):
    def insert_incident(self, incident: Incident) -> None:
        """Store a new incident with its lines (and the freeze each line got)."""

    def get_incident(self, incident_id: str) -> Incident:
        """One incident with its lines (NotFound if none)."""

    def list_incidents(self, status: str | None, limit: int) -> list[Incident]:
        """Incidents, newest first, of one status or any."""

    def close_incident(
        self, incident_id: str, *, closed_at: datetime, closed_by: str, note: str
    ) -> None:
        """Mark an open incident closed."""

    def open_incidents_of(self, line_id: str) -> list[Incident]:
        """The open incidents that cover ``line_id``, oldest first."""

    def insert_temporary(self, quota: TemporaryQuota) -> None:
        """Store a granted temporary quota."""

    def temporaries_of(self, line_id: str) -> list[TemporaryQuota]:
        """The line's temporary quotas, newest first."""

    def end_temporary(
        self, line_id: str, quota_id: str, *, ended_at: datetime, change_id: str
    ) -> None:
        """Mark an active temporary quota ended, with the limit change that ended it."""

    def due_temporaries(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(line, temporary quota) of active temporary quotas at or past their end."""
