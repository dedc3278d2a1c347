"""Ports for what every context shares: the clock, policy and calendar, the event outbox and
stored idempotent answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from creditline.domain.policy import Policy, PolicyChange
from creditline.domain.workdays import WorkCalendar


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The first answer given for an idempotency key, and the hash of its request."""

    request_hash: str
    body: dict[str, Any]
    refused: bool


class ReferenceRepo(Protocol):
    """Clock, policy, calendar and small settings (reference data, read by every context)."""

    def now(self) -> datetime:
        """The transaction's time: the sandbox clock, or the wall clock, read once."""
        ...

    def is_sandbox(self) -> bool:
        """Whether the database was created with ``init --sandbox`` (a movable clock)."""
        ...

    def set_clock(self, at: datetime) -> None:
        """Move the sandbox clock to ``at``."""
        ...

    def policy(self, at: datetime, seq: int | None = None) -> Policy:
        """The policy in force at ``at`` (as of change ``seq`` when given)."""
        ...

    def policy_changes(self, seq: int | None = None) -> list[PolicyChange]:
        """Every policy change, oldest first (up to change ``seq`` when given)."""
        ...

    def insert_policy_change(
        self, key: str, value: str, effective_at: datetime, note: str, now: datetime
    ) -> int:
        """Append a policy change; returns its sequence number."""
        ...

    def calendar(self) -> WorkCalendar:
        """The working-day calendar: official notices over the package's data."""
        ...

    def save_calendar_days(
        self, days: dict[date, tuple[bool, str]], source: str, now: datetime
    ) -> None:
        """Store an official notice's days (working or not, with the holiday's name)."""
        ...

    def meta_value(self, key: str) -> str | None:
        """A small stored setting, or None."""
        ...

    def set_meta_value(self, key: str, value: str) -> None:
        """Write a small stored setting."""
        ...


class EventRepo(Protocol):
    """The append-only event outbox (事件), written in the transaction of each change."""

    def emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        line_id: str | None = None,
        party_id: str | None = None,
    ) -> int:
        """Append an event; returns its sequence number."""
        ...

    def events(self, event_type: str | None, after: int, limit: int) -> list[dict[str, Any]]:
        """Events after sequence ``after``, oldest first, at most ``limit``."""
        ...

    def count_events(self, event_types: Sequence[str]) -> dict[str, int]:
        """How many events of each type the outbox holds (types with none are left out)."""
        ...


class IdempotencyRepo(Protocol):
    """Answers stored under idempotency keys (幂等键), refusals included."""

    def find_response(self, scope: str, key: str) -> StoredResponse | None:
        """The answer stored for ``key`` in ``scope``, or None."""
        ...

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
        """Store the first answer for ``key``; a second writer loses with ``Conflict``."""
        ...
