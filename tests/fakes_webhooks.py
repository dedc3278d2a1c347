"""In-memory fake of the webhooks port (see ``tests/fakes.py``); its rows live in
``FakeState.webhooks``, a dict of plain containers: ``endpoints`` (id → Endpoint),
``deliveries`` ((endpoint, event) → Delivery), ``attempts`` (a list) and ``cursors``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from creditline.domain.errors import NotFound
from creditline.service.webhooks.webhook_ports import (
    ENABLED,
    FAILED,
    PENDING,
    Attempt,
    Backlog,
    Delivery,
    Endpoint,
)

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeWebhooks:
    """The ``webhooks`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _table(self, name: str) -> Any:
        empty: dict[str, Any] = {"endpoints": {}, "deliveries": {}, "attempts": [], "cursors": {}}
        return self.s.webhooks.setdefault(name, empty[name])

    def add_endpoint(self, endpoint: Endpoint) -> None:
        self._table("endpoints")[endpoint.id] = endpoint

    def endpoint(self, endpoint_id: str) -> Endpoint:
        found: Endpoint | None = self._table("endpoints").get(endpoint_id)
        if found is None:
            raise NotFound("endpoint", f"endpoint: no such webhook endpoint {endpoint_id!r}")
        return found

    def endpoints(self) -> list[Endpoint]:
        return sorted(self._table("endpoints").values(), key=lambda e: (e.created_at, e.id))

    def update_endpoint(
        self,
        endpoint_id: str,
        *,
        status: str,
        failing_since: datetime | None,
        disabled_at: datetime | None,
    ) -> None:
        endpoint = self.endpoint(endpoint_id)
        self._table("endpoints")[endpoint_id] = replace(
            endpoint, status=status, failing_since=failing_since, disabled_at=disabled_at
        )

    def set_subscription(
        self, endpoint_id: str, *, url: str, enabled_events: tuple[str, ...]
    ) -> None:
        endpoint = self.endpoint(endpoint_id)
        self._table("endpoints")[endpoint_id] = replace(
            endpoint, url=url, enabled_events=enabled_events
        )

    def settled_event(self) -> int:
        return max((e["id"] for e in self.s.events), default=0)

    def outbox_cursor(self, name: str) -> int:
        return int(self._table("cursors").get(name, 0))

    def set_outbox_cursor(self, name: str, last_event: int) -> None:
        self._table("cursors")[name] = last_event

    def add_delivery(self, delivery: Delivery) -> None:
        self._table("deliveries").setdefault((delivery.endpoint_id, delivery.event_id), delivery)

    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        enabled = {e.id for e in self.endpoints() if e.status == ENABLED}
        pending = [d for d in self._table("deliveries").values() if d.status == PENDING]

        def held_back(d: Delivery) -> bool:
            return d.line_id is not None and any(
                p.endpoint_id == d.endpoint_id
                and p.line_id == d.line_id
                and p.event_id < d.event_id
                for p in pending
            )

        due = [
            d
            for d in pending
            if d.endpoint_id in enabled and d.next_attempt_at <= now and not held_back(d)
        ]
        return sorted(due, key=lambda d: (d.event_id, d.endpoint_id))[:limit]

    def delivery(self, endpoint_id: str, event_id: int) -> Delivery:
        found: Delivery | None = self._table("deliveries").get((endpoint_id, event_id))
        if found is None:
            raise NotFound(
                "event", f"event: no delivery of event {event_id} to endpoint {endpoint_id!r}"
            )
        return found

    def save_delivery(self, delivery: Delivery) -> None:
        self.delivery(delivery.endpoint_id, delivery.event_id)
        self._table("deliveries")[delivery.endpoint_id, delivery.event_id] = delivery

    def add_attempt(self, attempt: Attempt) -> None:
        attempts = self._table("attempts")
        attempts.append(replace(attempt, id=len(attempts) + 1))

    def attempts(self, endpoint_id: str, after: int, limit: int) -> list[Attempt]:
        found = [
            a
            for a in reversed(self._table("attempts"))
            if a.endpoint_id == endpoint_id and (after <= 0 or a.id < after)
        ]
        return found[:limit]

    def backlog(self) -> Backlog:
        enabled = {e.id for e in self.endpoints() if e.status == ENABLED}
        deliveries = list(self._table("deliveries").values())
        pending = [d for d in deliveries if d.status == PENDING and d.endpoint_id in enabled]
        return Backlog(
            len(pending),
            min((d.created_at for d in pending), default=None),
            sum(d.status == FAILED for d in deliveries),
        )
