"""SQL of the webhooks port: endpoints, one delivery row per (endpoint, event) with its state,
the append-only attempts, and the cursor of the outbox's fan-out."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo
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


def _endpoint(r: Any) -> Endpoint:
    return Endpoint(
        id=r.id,
        url=r.url,
        enabled_events=tuple(json.loads(r.enabled_events)),
        secret=r.secret,
        status=r.status,
        description=r.description,
        after_event=r.after_event,
        created_at=r.created_at,
        failing_since=r.failing_since,
        disabled_at=r.disabled_at,
    )


def _delivery(r: Any) -> Delivery:
    return Delivery(
        endpoint_id=r.endpoint_id,
        event_id=r.event_id,
        line_id=r.line_id,
        status=r.status,
        attempts=r.attempts,
        next_attempt_at=r.next_attempt_at,
        created_at=r.created_at,
        delivered_at=r.delivered_at,
    )


class SqlWebhooks(SqlRepo):
    """The ``webhooks`` port on SQL."""

    def _insert_ignoring_duplicates(self, table: Any, row: dict[str, Any]) -> None:
        """INSERT ... ON CONFLICT DO NOTHING, in each dialect's words."""
        postgres = self.session.conn.dialect.name == "postgresql"
        statement = (pg_insert if postgres else sqlite_insert)(table).values(row)
        self._exec(statement.on_conflict_do_nothing())

    def add_endpoint(self, endpoint: Endpoint) -> None:
        self._exec(
            insert(t.webhook_endpoints),
            {
                "id": endpoint.id,
                "url": endpoint.url,
                "enabled_events": json.dumps(list(endpoint.enabled_events)),
                "secret": endpoint.secret,
                "status": endpoint.status,
                "description": endpoint.description,
                "after_event": endpoint.after_event,
                "created_at": endpoint.created_at,
                "failing_since": endpoint.failing_since,
                "disabled_at": endpoint.disabled_at,
            },
        )

    def endpoint(self, endpoint_id: str) -> Endpoint:
        e = t.webhook_endpoints
        r = self._exec(select(e).where(e.c.id == endpoint_id)).first()
        if r is None:
            raise NotFound("endpoint", f"endpoint: no such webhook endpoint {endpoint_id!r}")
        return _endpoint(r)

    def endpoints(self) -> list[Endpoint]:
        e = t.webhook_endpoints
        return [_endpoint(r) for r in self._exec(select(e).order_by(e.c.created_at, e.c.id))]

    def update_endpoint(
        self,
        endpoint_id: str,
        *,
        status: str,
        failing_since: datetime | None,
        disabled_at: datetime | None,
    ) -> None:
        e = t.webhook_endpoints
        self._exec(
            update(e)
            .where(e.c.id == endpoint_id)
            .values(status=status, failing_since=failing_since, disabled_at=disabled_at)
        )

    def set_subscription(
        self, endpoint_id: str, *, url: str, enabled_events: tuple[str, ...]
    ) -> None:
        e = t.webhook_endpoints
        self._exec(
            update(e)
            .where(e.c.id == endpoint_id)
            .values(url=url, enabled_events=json.dumps(list(enabled_events)))
        )

    def settled_event(self) -> int:
        if self.session.conn.dialect.name == "postgresql":
            # An INSERT holds ROW EXCLUSIVE on events from before it draws its id until its
            # transaction ends; SHARE waits for every such writer (and is let go at commit).
            self._exec(text(f"LOCK TABLE {t.events.name} IN SHARE MODE"))
        return int(self._exec(select(func.max(t.events.c.id))).scalar_one() or 0)

    def outbox_cursor(self, name: str) -> int:
        c = t.outbox_cursors
        self._insert_ignoring_duplicates(c, {"name": name, "last_event": 0})
        query = select(c.c.last_event).where(c.c.name == name).with_for_update()
        return int(self._exec(query).scalar_one())

    def set_outbox_cursor(self, name: str, last_event: int) -> None:
        c = t.outbox_cursors
        self._exec(update(c).where(c.c.name == name).values(last_event=last_event))

    def add_delivery(self, delivery: Delivery) -> None:
        self._insert_ignoring_duplicates(
            t.webhook_deliveries,
            {
                "endpoint_id": delivery.endpoint_id,
                "event_id": delivery.event_id,
                "line_id": delivery.line_id,
                "status": delivery.status,
                "attempts": delivery.attempts,
                "next_attempt_at": delivery.next_attempt_at,
                "created_at": delivery.created_at,
                "delivered_at": delivery.delivered_at,
            },
        )

    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        d, e = t.webhook_deliveries, t.webhook_deliveries.alias("earlier")
        ep = t.webhook_endpoints
        held_back = (
            select(e.c.event_id)
            .where(
                e.c.endpoint_id == d.c.endpoint_id,
                e.c.line_id == d.c.line_id,  # NULL (no line) never equals: not ordered
                e.c.status == PENDING,
                e.c.event_id < d.c.event_id,
            )
            .exists()
        )
        query = (
            select(d)
            .join(ep, and_(ep.c.id == d.c.endpoint_id, ep.c.status == ENABLED))
            .where(d.c.status == PENDING, d.c.next_attempt_at <= now, ~held_back)
            .order_by(d.c.event_id, d.c.endpoint_id)
            .limit(limit)
            .with_for_update(of=d, skip_locked=True)
        )
        return [_delivery(r) for r in self._exec(query)]

    def delivery(self, endpoint_id: str, event_id: int) -> Delivery:
        d = t.webhook_deliveries
        query = select(d).where(d.c.endpoint_id == endpoint_id, d.c.event_id == event_id)
        r = self._exec(query).first()
        if r is None:
            raise NotFound(
                "event", f"event: no delivery of event {event_id} to endpoint {endpoint_id!r}"
            )
        return _delivery(r)

    def save_delivery(self, delivery: Delivery) -> None:
        d = t.webhook_deliveries
        self._exec(
            update(d)
            .where(d.c.endpoint_id == delivery.endpoint_id, d.c.event_id == delivery.event_id)
            .values(
                status=delivery.status,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                delivered_at=delivery.delivered_at,
            )
        )

    def add_attempt(self, attempt: Attempt) -> None:
        self._exec(
            insert(t.webhook_attempts),
            {
                "endpoint_id": attempt.endpoint_id,
                "event_id": attempt.event_id,
                "at": attempt.at,
                "status_code": attempt.status_code,
                "error": attempt.error,
                "duration_ms": attempt.duration_ms,
                "succeeded": attempt.succeeded,
            },
        )

    def attempts(self, endpoint_id: str, after: int, limit: int) -> list[Attempt]:
        a = t.webhook_attempts
        query = select(a).where(a.c.endpoint_id == endpoint_id)
        if after > 0:
            query = query.where(a.c.id < after)
        rows = self._exec(query.order_by(a.c.id.desc()).limit(limit))
        return [
            Attempt(
                r.endpoint_id,
                r.event_id,
                r.at,
                r.status_code,
                r.error,
                r.duration_ms,
                bool(r.succeeded),
                r.id,
            )
            for r in rows
        ]

    def backlog(self) -> Backlog:
        d, ep = t.webhook_deliveries, t.webhook_endpoints
        pending = self._exec(
            select(func.count(), func.min(d.c.created_at))
            .select_from(d.join(ep, ep.c.id == d.c.endpoint_id))
            .where(d.c.status == PENDING, ep.c.status == ENABLED)
        ).one()
        failed = self._exec(select(func.count()).where(d.c.status == FAILED)).scalar_one()
        return Backlog(int(pending[0]), pending[1], int(failed))
