"""Reading the event outbox (事件), with cursor pagination like Stripe's lists."""

from __future__ import annotations

from creditline.domain.errors import InvalidInput
from creditline.service.idempotency import Answer
from creditline.service.uow import Database


def list_events(
    db: Database, *, event_type: str | None = None, after: int = 0, limit: int = 100
) -> Answer:
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit", "limit must be between 1 and 1000")
    if after < 0:
        raise InvalidInput("after", "after must be an event id (0 for the start)")
    with db.transaction(write=False) as uow:
        rows = uow.events.events(event_type, after, limit + 1)
    return Answer({"data": rows[:limit], "has_more": len(rows) > limit})
