"""What holds a line's quota, by order, and how long each part has left (额度管理): the open
holds with their age, and the occupancy (占用) with its age and the days left before the
over-long-occupancy limit (R9, ``occupancy_limit_days``), nearest to the limit first.

The line is read as the diagnosis reads it (``spend_state.spend_context`` for a spend of
nothing, the policy pinned for the line), so that what this says is overdue is exactly what
``why`` refuses for and what the alert job raises."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from creditline.domain.ledger import Movement, PostedTransfer
from creditline.domain.money import Money
from creditline.domain.quota.purposes import Purpose
from creditline.domain.quota.quota_views import URGENT_DAYS, age_days, occupancy_clock
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer
from creditline.service.quota.spend_state import spend_context
from creditline.service.uow import Database


def line_exposure(db: Database, line_id: str) -> Answer:
    """The line's open holds and unrepaid occupancy per order: amount, since, age in days and,
    for occupancy, the days left before the limit (``days_left``, 0 or less once reached),
    the instant it is reached, ``overdue`` and ``urgent`` (within ``URGENT_DAYS``)."""
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        locked = uow.lines.read_line(line_id)
        currency = locked.state.currency
        policy = uow.reference.policy(now, locked.policy_seq)
        ctx = spend_context(
            uow,
            locked,
            amount=Money.zero(currency),
            purpose=Purpose.PROCUREMENT,  # any purpose: only the line's own state is read
            now=now,
            policy=policy,
            full=True,
        )
        held_since = (
            _authorized_at(uow.lines.transfers_of(line_id), {h.id for h in ctx.open_holds})
            if ctx.open_holds
            else {}
        )
    limit_days = policy.integer("occupancy_limit_days")
    occupancy = []
    for o in ctx.occupancies:
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
    for h in sorted(ctx.open_holds, key=lambda h: (h.expires_at, h.id)):
        since = held_since.get(h.id)
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
            "holds": holds,
        }
    )


def _authorized_at(transfers: Iterable[PostedTransfer], hold_ids: set[str]) -> dict[str, datetime]:
    """When each of ``hold_ids`` was authorised: its ``authorize`` transfer in the book."""
    found: dict[str, datetime] = {}
    for posted in transfers:
        t = posted.transfer
        if t.movement is Movement.AUTHORIZE and t.ref in hold_ids and t.ref not in found:
            found[t.ref] = posted.created_at
    return found
