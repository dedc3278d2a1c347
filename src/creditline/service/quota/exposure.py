"""What holds a line's quota, by order, and how long each part has left (额度管理): the open
holds with their age, and the occupancy (占用) with its age and the days left before the
over-long-occupancy limit (R9, ``occupancy_limit_days``), nearest to the limit first.

The line's orders are read as the diagnosis reads them (the oldest page and the database's
count, the policy pinned for the line), so that what this says is overdue is exactly what
``why`` refuses for and what the alert job raises."""

from __future__ import annotations

from datetime import timedelta

from creditline.domain.errors import InvalidInput
from creditline.domain.quota.quota_views import URGENT_DAYS, age_days, occupancy_clock
from creditline.domain.text import MAX_REF, printable_text
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer
from creditline.service.quota.spend_state import ORDERS_PAGE
from creditline.service.uow import Database

#: The most orders one page of the exposure lists.
MAX_PAGE = 500


def line_exposure(
    db: Database, line_id: str, *, after: str | None = None, limit: int = ORDERS_PAGE
) -> Answer:
    """The line's open holds and unrepaid occupancy per order: amount, since, age in days and,
    for occupancy, the days left before the limit (``days_left``, 0 or less once reached),
    the instant it is reached, ``overdue`` and ``urgent`` (within ``URGENT_DAYS``).

    Occupancy is listed oldest first (nearest its limit first), ``limit`` orders (1-500) at a
    time: ``occupancy_count`` says how many there are, ``next`` is the cursor to pass as
    ``after`` for the following page (None on the last), so a line with 10,000 open orders
    answers as fast as one with ten."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("limit", f"limit must be 1 to {MAX_PAGE}")
    if after is not None:
        printable_text(after, "after", max_length=MAX_REF)
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        locked = uow.lines.read_line(line_id)
        currency = locked.state.currency
        policy = uow.reference.policy(now, locked.policy_seq)
        limit_days = policy.integer("occupancy_limit_days")
        # What the diagnosis reads of the line's orders and holds, and nothing else of it.
        open_holds = uow.holds.open_holds(line_id)
        page = uow.holds.open_occupancies(line_id, limit=limit + 1, after=after)
        summary = uow.holds.occupancy_summary(line_id, now - timedelta(days=limit_days))
    occupancy = []
    for o in page[:limit]:
        if not o.outstanding.is_positive:
            continue
        clock = occupancy_clock(o.captured_at, now, limit_days)
        occupancy.append(
            {
                "occupancy": o.id,
                "hold": o.hold_id,
                "order": o.order_id,
                "amount": o.outstanding.format(),
                "since": iso_local(o.captured_at),
                "age_days": clock.age_days,
                "days_left": clock.days_left,
                "due_at": iso_local(clock.due_at),
                "overdue": clock.overdue,
                "urgent": clock.urgent,
            }
        )
    occupancy.sort(key=lambda item: (item["days_left"], item["since"], item["occupancy"]))
    holds = []
    for h in sorted(open_holds, key=lambda h: (h.expires_at, h.id)):
        since = h.created_at
        holds.append(
            {
                "hold": h.id,
                "order": h.order_id,
                "amount": h.amount.format(),
                "since": iso_local(since) if since else None,
                "age_days": age_days(since, now) if since else None,
                "expires_at": iso_local(h.expires_at),
            }
        )
    balances = locked.state.balances
    return Answer(
        {
            "line": line_id,
            "currency": currency,
            "as_of": iso_local(now),
            "limit_days": limit_days,
            "urgent_days": URGENT_DAYS,
            "policy_version": policy.version,
            "held": balances.held.format(),
            "occupied": balances.occupied.format(),
            "used": (balances.held + balances.occupied).format(),
            "occupancy": occupancy,
            "occupancy_count": summary.count,
            "has_more": len(page) > limit,
            "next": occupancy[-1]["occupancy"] if len(page) > limit else None,
            "holds": holds,
        }
    )
