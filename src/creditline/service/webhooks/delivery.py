"""One pass of the webhook worker (R21): fan the outbox out to the endpoints that want each
event, send what is due, signed as Standard Webhooks says, record each attempt, retry with
backoff over about three days, keep each line's events in order, and disable an endpoint
that has failed for days (raising ``webhook_endpoint.disabled``).

The HTTP calls happen outside any transaction: a delivery is taken (its next attempt pushed a
lease ahead, so another worker leaves it alone), sent, then its attempt and new state are
written. Delivery is at least once: a worker that dies between the call and the write sends
again when the lease runs out, with the same ``webhook-id``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.webhooks.backoff import failing_too_long, next_attempt_at
from creditline.domain.webhooks.signatures import (
    Render,
    message_body,
    message_id,
    signed_headers,
)
from creditline.domain.webhooks.subscriptions import wants
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer
from creditline.service.uow import Database, UnitOfWork
from creditline.service.webhooks.endpoints import endpoint_json
from creditline.service.webhooks.webhook_ports import (
    DISABLED,
    ENABLED,
    FAILED,
    PENDING,
    SUCCEEDED,
    Attempt,
    Delivery,
    Endpoint,
    SendResult,
    WebhookSender,
)

#: The name of the outbox cursor this worker moves.
CURSOR = "webhooks"
#: Events fanned out per transaction.
FAN_OUT_BATCH = 500
#: Deliveries taken at once, and how long they are left to this worker before another may
#: take them (longer than a round of calls at the sender's timeouts).
ROUND = 20
LEASE = timedelta(minutes=5)
MAX_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Message:
    """A delivery taken to be sent: where, under which secret, and the body's bytes."""

    delivery: Delivery
    url: str
    secret: str
    body: bytes


def as_stored(payload: dict[str, Any]) -> Any:
    """The payload as the outbox keeps it (an entrypoint may render the API's shape)."""
    return payload


def fan_out(db: Database, *, batch: int = FAN_OUT_BATCH) -> tuple[int, int]:
    """Queue one pending delivery per event after the cursor and enabled endpoint that wants
    it and existed before it, moving the cursor in the same transaction, a batch at a time.
    Returns (events read, deliveries queued)."""
    with db.transaction(write=False) as uow:
        settled = uow.webhooks.settled_event()
    read = queued = 0
    while True:
        with db.transaction() as uow:
            cursor = uow.webhooks.outbox_cursor(CURSOR)
            if cursor >= settled:
                return read, queued
            endpoints = [e for e in uow.webhooks.endpoints() if e.status == ENABLED]
            events = [] if not endpoints else uow.events.events(None, cursor, batch)
            events = [e for e in events if e["id"] <= settled]
            now = uow.reference.now()
            for event in events:
                emitted = datetime.fromisoformat(event["created_at"])
                for endpoint in endpoints:
                    if endpoint.after_event < event["id"] and wants(
                        endpoint.enabled_events, event["type"]
                    ):
                        uow.webhooks.add_delivery(
                            Delivery(
                                endpoint.id, event["id"], event["line"], PENDING, 0, now, emitted
                            )
                        )
                        queued += 1
            uow.webhooks.set_outbox_cursor(CURSOR, events[-1]["id"] if events else settled)
            read += len(events)


def _event(uow: UnitOfWork, event_id: int) -> dict[str, Any]:
    [event] = uow.events.events(None, event_id - 1, 1)
    return event


def take_due(db: Database, render: Render, limit: int) -> list[Message]:
    """Take up to ``limit`` due deliveries (oldest event first, each line in order), leasing
    them to this worker, with the body each is to carry."""
    with db.transaction() as uow:
        now = uow.reference.now()
        endpoints: dict[str, Endpoint] = {}
        bodies: dict[int, bytes] = {}
        taken = []
        for d in uow.webhooks.due_deliveries(now, limit):
            endpoint = endpoints.get(d.endpoint_id) or uow.webhooks.endpoint(d.endpoint_id)
            endpoints[d.endpoint_id] = endpoint
            if d.event_id not in bodies:
                bodies[d.event_id] = message_body(_event(uow, d.event_id), render)
            uow.webhooks.save_delivery(replace(d, next_attempt_at=now + LEASE))
            taken.append(Message(d, endpoint.url, endpoint.secret, bodies[d.event_id]))
    return taken


def send(db: Database, sender: WebhookSender, message: Message) -> str:
    """Sign and send one message (no transaction is open meanwhile), then record the attempt
    and the delivery's new state. Returns ``succeeded``, ``failed`` (to be tried again) or
    ``gave_up`` (that was the last attempt)."""
    d = message.delivery
    headers = signed_headers(
        message.secret, message_id(d.event_id), sender.timestamp(), message.body
    )
    result = sender.send(message.url, headers, message.body)
    with db.transaction() as uow:
        return record(uow, d.endpoint_id, d.event_id, result)


def record(uow: UnitOfWork, endpoint_id: str, event_id: int, result: SendResult) -> str:
    """Write one attempt's outcome: the attempt, the delivery's state and next attempt, and
    whether the endpoint is failing (set at its first failure, cleared by a success)."""
    now = uow.reference.now()
    uow.webhooks.add_attempt(
        Attempt(
            endpoint_id,
            event_id,
            now,
            result.status_code,
            result.error,
            result.duration_ms,
            result.ok,
        )
    )
    endpoint = uow.webhooks.endpoint(endpoint_id)
    delivery = uow.webhooks.delivery(endpoint_id, event_id)
    if delivery.status != PENDING:  # decided meanwhile, by a worker that took it after a lease
        return SUCCEEDED if result.ok else FAILED
    attempts = delivery.attempts + 1
    if result.ok:
        outcome = SUCCEEDED
        delivery = replace(delivery, status=SUCCEEDED, attempts=attempts, delivered_at=now)
        failing_since = None
    else:
        retry_at = next_attempt_at(attempts, now)
        outcome = "gave_up" if retry_at is None else FAILED
        status = FAILED if retry_at is None else PENDING
        delivery = replace(
            delivery, status=status, attempts=attempts, next_attempt_at=retry_at or now
        )
        failing_since = endpoint.failing_since or now
    uow.webhooks.save_delivery(delivery)
    if failing_since != endpoint.failing_since:
        uow.webhooks.update_endpoint(
            endpoint_id,
            status=endpoint.status,
            failing_since=failing_since,
            disabled_at=endpoint.disabled_at,
        )
    return outcome


def disable_failing(db: Database) -> list[str]:
    """Disable each enabled endpoint that has failed for days, and raise an event for it."""
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        failing = [
            e.id
            for e in uow.webhooks.endpoints()
            if e.status == ENABLED and failing_too_long(e.failing_since, now)
        ]
    if not failing:
        return []
    disabled = []
    with db.transaction() as uow:
        now = uow.reference.now()
        for endpoint_id in failing:
            endpoint = uow.webhooks.endpoint(endpoint_id)
            if endpoint.status != ENABLED or not failing_too_long(endpoint.failing_since, now):
                continue  # enabled again, or it succeeded, meanwhile
            off = replace(endpoint, status=DISABLED, disabled_at=now)
            uow.webhooks.update_endpoint(
                endpoint_id, status=DISABLED, failing_since=off.failing_since, disabled_at=now
            )
            uow.events.emit("webhook_endpoint.disabled", endpoint_json(off), now)
            disabled.append(endpoint_id)
    return disabled


def deliver_webhooks(
    db: Database, sender: WebhookSender, *, render: Render = as_stored, limit: int = 100
) -> Answer:
    """One pass of the worker: fan out, send up to ``limit`` due deliveries (a line's next
    event goes in the same pass once the one before it is delivered), disable endpoints that
    have failed for days. ``render`` gives each event's ``data.object``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"limit must be between 1 and {MAX_LIMIT}")
    events, queued = fan_out(db)
    outcomes: Counter[str] = Counter()
    sent = 0
    while sent < limit and (taken := take_due(db, render, min(ROUND, limit - sent))):
        for message in taken:
            outcomes[send(db, sender, message)] += 1
            sent += 1
    return Answer(
        {
            "events": events,
            "queued": queued,
            "sent": sent,
            "succeeded": outcomes[SUCCEEDED],
            "failed": outcomes[FAILED],
            "gave_up": outcomes["gave_up"],
            "disabled": disable_failing(db),
        }
    )


def webhook_backlog(db: Database) -> Answer:
    """What waits to be delivered (for ``/metrics``): pending deliveries of enabled endpoints,
    how long the oldest has waited, deliveries failed for good, endpoints by status."""
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        backlog = uow.webhooks.backlog()
        statuses = Counter(e.status for e in uow.webhooks.endpoints())
    oldest = backlog.oldest_pending_at
    return Answer(
        {
            "pending": backlog.pending,
            "oldest_pending_at": None if oldest is None else iso_local(oldest),
            "lag_seconds": None if oldest is None else max((now - oldest).total_seconds(), 0),
            "failed": backlog.failed,
            "endpoints": {ENABLED: statuses[ENABLED], DISABLED: statuses[DISABLED]},
        }
    )
