"""Use cases for webhook endpoints (R21): subscribe a URL to event types (its secret is shown
once), change or disable it, read its attempts, and send an event to it again."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.text import MAX_NOTE, printable_text
from creditline.domain.webhooks.signatures import EVENT_PREFIX, SECRET_BYTES, secret_from_key
from creditline.domain.webhooks.subscriptions import check_events, check_url
from creditline.domain.workdays import iso_local
from creditline.service.event_log import MAX_EVENT_ID
from creditline.service.idempotency import Answer
from creditline.service.ids import new_id
from creditline.service.uow import Database
from creditline.service.webhooks.webhook_ports import (
    DISABLED,
    ENABLED,
    PENDING,
    Attempt,
    Endpoint,
)

MAX_ATTEMPTS_PAGE = 100


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    """An endpoint as every answer and event gives it: never with its secret."""
    return {
        "object": "webhook_endpoint",
        "id": endpoint.id,
        "url": endpoint.url,
        "enabled_events": list(endpoint.enabled_events),
        "status": endpoint.status,
        "description": endpoint.description,
        "created_at": iso_local(endpoint.created_at),
        "failing_since": iso_local(endpoint.failing_since) if endpoint.failing_since else None,
        "disabled_at": iso_local(endpoint.disabled_at) if endpoint.disabled_at else None,
    }


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "object": "webhook_attempt",
        "id": attempt.id,
        "event": attempt.event_id,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
        "succeeded": attempt.succeeded,
        "at": iso_local(attempt.at),
    }


def add_endpoint(
    db: Database, url: str, enabled_events: list[str], description: str = ""
) -> Answer:
    """Subscribe ``url`` to ``enabled_events`` ("*" for all). The endpoint receives the events
    emitted after it was made; the answer carries its ``secret``, shown this once."""
    checked_url, events = check_url(url), check_events(enabled_events)
    text = printable_text(description, "description", max_length=MAX_NOTE, required=False)
    secret = secret_from_key(secrets.token_bytes(SECRET_BYTES))
    with db.transaction() as uow:
        endpoint = Endpoint(
            id=new_id("we"),
            url=checked_url,
            enabled_events=events,
            secret=secret,
            status=ENABLED,
            description=text,
            after_event=uow.webhooks.settled_event(),
            created_at=uow.reference.now(),
        )
        uow.webhooks.add_endpoint(endpoint)
    return Answer({**endpoint_json(endpoint), "secret": secret})


def update_endpoint(
    db: Database,
    endpoint_id: str,
    *,
    status: str | None = None,
    enabled_events: list[str] | None = None,
    url: str | None = None,
) -> Answer:
    """Disable or enable an endpoint (enabling it forgets how long it was failing), or change
    its URL or event types."""
    if status not in {None, ENABLED, DISABLED}:
        raise InvalidInput("status", f"status must be {ENABLED} or {DISABLED}, got {status!r}")
    new_url = None if url is None else check_url(url)
    new_events = None if enabled_events is None else check_events(enabled_events)
    with db.transaction() as uow:
        endpoint = uow.webhooks.endpoint(endpoint_id)
        if new_url is not None or new_events is not None:
            endpoint = replace(
                endpoint,
                url=new_url or endpoint.url,
                enabled_events=new_events or endpoint.enabled_events,
            )
            uow.webhooks.set_subscription(
                endpoint.id, url=endpoint.url, enabled_events=endpoint.enabled_events
            )
        if status is not None and status != endpoint.status:
            now = uow.reference.now()
            endpoint = (
                replace(endpoint, status=ENABLED, failing_since=None, disabled_at=None)
                if status == ENABLED
                else replace(endpoint, status=DISABLED, disabled_at=now)
            )
            uow.webhooks.update_endpoint(
                endpoint.id,
                status=endpoint.status,
                failing_since=endpoint.failing_since,
                disabled_at=endpoint.disabled_at,
            )
        return Answer(endpoint_json(endpoint))


def list_endpoints(db: Database) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer({"data": [endpoint_json(e) for e in uow.webhooks.endpoints()]})


def show_endpoint(db: Database, endpoint_id: str) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer(endpoint_json(uow.webhooks.endpoint(endpoint_id)))


def list_attempts(db: Database, endpoint_id: str, *, after: int = 0, limit: int = 20) -> Answer:
    """The endpoint's attempts, newest first; ``after`` is the id of the last one already seen
    (the next page is older)."""
    if not 1 <= limit <= MAX_ATTEMPTS_PAGE:
        raise InvalidInput("limit", f"limit must be between 1 and {MAX_ATTEMPTS_PAGE}")
    if not 0 <= after <= MAX_EVENT_ID:
        raise InvalidInput("after", "after must be an attempt id (0 for the newest)")
    with db.transaction(write=False) as uow:
        uow.webhooks.endpoint(endpoint_id)  # NotFound names the endpoint
        found = uow.webhooks.attempts(endpoint_id, after, limit + 1)
    return Answer(
        {"data": [attempt_json(a) for a in found[:limit]], "has_more": len(found) > limit}
    )


def _event_id(event_id: int | str) -> int:
    """An event id as the outbox gives it (``12``) or as a receiver sees it (``evt_12``)."""
    text = str(event_id).removeprefix(EVENT_PREFIX)
    if not text.isdecimal() or not 0 < int(text) <= MAX_EVENT_ID:
        raise InvalidInput("event", f"event must be an event id (12 or evt_12), got {event_id!r}")
    return int(text)


def redeliver(db: Database, endpoint_id: str, event_id: int | str) -> Answer:
    """Send an event to the endpoint again: its delivery is pending again, due now, with a new
    round of retries. Until it is delivered, later events of its line wait behind it."""
    wanted = _event_id(event_id)
    with db.transaction() as uow:
        endpoint = uow.webhooks.endpoint(endpoint_id)
        delivery = uow.webhooks.delivery(endpoint.id, wanted)
        again = replace(delivery, status=PENDING, attempts=0, next_attempt_at=uow.reference.now())
        uow.webhooks.save_delivery(again)
    return Answer(
        {
            "object": "webhook_delivery",
            "endpoint": endpoint.id,
            "event": wanted,
            "status": again.status,
            "next_attempt_at": iso_local(again.next_attempt_at),
            "endpoint_status": endpoint.status,
        }
    )
