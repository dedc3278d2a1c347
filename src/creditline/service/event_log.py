"""Reading the event outbox (事件), with cursor pagination like Stripe's lists."""

from __future__ import annotations

from creditline.domain.errors import InvalidInput
from creditline.domain.event_types import parse_event_type
from creditline.service.idempotency import Answer
from creditline.service.uow import Database

#: The largest id a 64-bit column holds; a larger cursor is bad input, not a driver overflow.
MAX_EVENT_ID = 2**63 - 1


def list_events(
    db: Database, *, event_type: str | None = None, after: int = 0, limit: int = 100
) -> Answer:
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit", "limit must be between 1 and 1000")
    if not 0 <= after <= MAX_EVENT_ID:
        raise InvalidInput("after", "after must be an event id (0 for the start)")
    if event_type is not None:
        parse_event_type(event_type)
    with db.transaction(write=False) as uow:
        rows = uow.events.events(event_type, after, limit + 1)
    return Answer({"data": rows[:limit], "has_more": len(rows) > limit})


def event_counts(db: Database, event_types: list[str]) -> dict[str, int]:
    """How many events of each of ``event_types`` the outbox holds (0 for none): the counters
    behind ``/metrics`` that must agree across API workers (freezes, payout failures)."""
    for event_type in event_types:
        parse_event_type(event_type)
    with db.transaction(write=False) as uow:
        found = uow.events.count_events(event_types)
    return {event_type: found.get(event_type, 0) for event_type in event_types}
