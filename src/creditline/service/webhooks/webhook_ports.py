"""Ports of the webhooks context (回调通知): endpoints, their deliveries and attempts, the outbox
cursor, and the HTTP sender."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

#: An endpoint's status, and a delivery's.
ENABLED, DISABLED = "enabled", "disabled"
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    url: str
    enabled_events: tuple[str, ...]
    secret: str
    status: str  # enabled | disabled
    description: str
    after_event: int  # events up to this id were in the outbox before the endpoint existed
    created_at: datetime
    failing_since: datetime | None = None
    disabled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    endpoint_id: str
    event_id: int
    line_id: str | None
    status: str  # pending | succeeded | failed
    attempts: int
    next_attempt_at: datetime
    created_at: datetime  # when its event was emitted: the lag is counted from there
    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    endpoint_id: str
    event_id: int
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int
    succeeded: bool
    id: int = 0


@dataclass(frozen=True, slots=True)
class SendResult:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int  # deliveries of enabled endpoints still to succeed or fail
    oldest_pending_at: datetime | None  # when the event of the oldest of them was emitted
    failed: int  # deliveries that failed for good


class WebhookRepo(Protocol):
    """Endpoints, deliveries and attempts."""

    def add_endpoint(self, endpoint: Endpoint) -> None:
        """Store a new endpoint."""

    def endpoint(self, endpoint_id: str) -> Endpoint:
        """The endpoint (NotFound if none)."""

    def endpoints(self) -> list[Endpoint]:
        """Every endpoint, oldest first."""

    def update_endpoint(
        self,
        endpoint_id: str,
        *,
        status: str,
        failing_since: datetime | None,
        disabled_at: datetime | None,
    ) -> None:
        """Set where the endpoint stands."""

    def set_subscription(
        self, endpoint_id: str, *, url: str, enabled_events: tuple[str, ...]
    ) -> None:
        """Set where the endpoint's deliveries go and which event types it receives."""

    def settled_event(self) -> int:
        """The newest event id of the outbox (0 if none) such that every event up to it is
        committed or rolled back: on PostgreSQL it waits for the transactions writing events,
        whose ids may be lower than ones committed already."""

    def outbox_cursor(self, name: str) -> int:
        """The last event id fanned out under ``name`` (0 if none), locked until the end of
        the transaction (two workers fan out in turn)."""

    def set_outbox_cursor(self, name: str, last_event: int) -> None:
        """Move the cursor."""

    def add_delivery(self, delivery: Delivery) -> None:
        """Queue one event for one endpoint (once: a second add is ignored)."""

    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries due by ``now`` of enabled endpoints, oldest event first, that no
        earlier pending event of the same endpoint and line holds back; rows another worker's
        transaction has taken are skipped."""

    def delivery(self, endpoint_id: str, event_id: int) -> Delivery:
        """One delivery (NotFound if none)."""

    def save_delivery(self, delivery: Delivery) -> None:
        """Write the delivery's new state."""

    def add_attempt(self, attempt: Attempt) -> None:
        """Record one attempt; attempts are never edited."""

    def attempts(self, endpoint_id: str, after: int, limit: int) -> list[Attempt]:
        """The endpoint's attempts, newest first, with id below ``after`` when it is > 0."""

    def backlog(self) -> Backlog:
        """The pending deliveries of enabled endpoints, when the event of the oldest of them
        was emitted, and how many deliveries have failed for good."""


class WebhookSender(Protocol):
    """Sends one signed delivery (an adapter: HTTP on httpx)."""

    def timestamp(self) -> int:
        """The wall clock in whole seconds since the epoch, for ``webhook-timestamp``:
        receivers compare it with their own clocks (a sandbox clock would be refused)."""

    def send(self, url: str, headers: dict[str, str], body: bytes) -> SendResult:
        """POST ``body``; never raises for a network failure (it is in ``error``)."""
