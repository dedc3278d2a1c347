"""A line's quota book (额度账本): posting with the frozen account swept, and balances as shown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from creditline.domain.ledger import Balances, Head, Transfer
from creditline.domain.money import Money
from creditline.domain.quota.freezes import frozen_target, sweep_frozen
from creditline.domain.quota.limits import effective_limit, limit_transfers
from creditline.service.ledger_posting import post_to_book
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import UnitOfWork


def freeze_target(uow: UnitOfWork, locked: LockedLine, now: datetime) -> Money:
    """What the amount freezes in force ask the line's ``frozen`` account to hold."""
    currency = locked.state.currency
    if not locked.open_freezes:  # the summary read with the lock spares the hot path a query
        return Money.zero(currency)
    return frozen_target(uow.freezes.freezes_of(locked.state.id, active_only=True), now, currency)


def post_movement(
    uow: UnitOfWork,
    locked: LockedLine,
    movement_id: str,
    transfers: Sequence[Transfer],
    now: datetime,
) -> Head:
    """Post ``transfers`` to the line's book with the frozen account swept to the amount
    freezes in force before (a freeze that ended gives its quota back first) and after (quota
    that frees up fills a standing freeze). A lowered limit still waiting for quota takes what
    frees up first (额度调整: it goes back to the platform). Returns the book's new head: its
    balances for the answer, and ``locked.moved_to(head)`` for a second movement in the same
    transaction."""
    target = freeze_target(uow, locked, now)
    balances = locked.state.balances
    before = sweep_frozen(balances, target)
    moved = balances.apply(before).apply(transfers)
    lowered = _limit_sweep(moved, locked.state.limit_target, movement_id)
    after = sweep_frozen(moved.apply(lowered), target)
    everything = [*before, *transfers, *lowered, *after]
    return post_to_book(uow.lines, locked.head, movement_id, everything, now)


def _limit_sweep(balances: Balances, target: Money | None, ref: str) -> list[Transfer]:
    """Only a pending reduction is swept here; raises are posted by the limit change itself."""
    if target is None or balances.limit <= target:
        return []
    return limit_transfers(balances, target, ref)


def balances_json(
    b: Balances, *, frozen: Money | None = None, target: Money | None = None
) -> dict[str, Any]:
    """A line's balances as every answer shows them; ``frozen`` overrides the booked amount
    with what the freezes in force hold now (a freeze may have ended since the last post);
    ``target``: a lowered limit still waiting for quota, which available is counted under."""
    frozen_now = b.frozen if frozen is None else frozen
    limit = effective_limit(b, target)
    available = (limit - b.held - b.occupied - frozen_now).max(Money.zero(b.currency))
    return {
        "currency": b.currency,
        "limit": b.limit.format(),
        "held": b.held.format(),
        "occupied": b.occupied.format(),
        "frozen": frozen_now.format(),
        "available": available.format(),
        "fees_due": b.fees_due.format(),
    }
