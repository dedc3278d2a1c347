"""Reading the state the spend rules look at, and posting movements with the freeze sweep."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from creditline.domain.ledger import Balances, Transfer, post
from creditline.domain.money import Money
from creditline.domain.policy import Policy
from creditline.domain.quota.documents import expired_required
from creditline.domain.quota.evaluation import SpendContext, available, is_large
from creditline.domain.quota.freezes import frozen_target, sweep_frozen
from creditline.domain.quota.lines import LineStatus
from creditline.domain.quota.purposes import Purpose
from creditline.domain.workdays import local_date, local_day_bounds
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import UnitOfWork


def spend_context(
    uow: UnitOfWork,
    locked: LockedLine,
    *,
    amount: Money,
    purpose: Purpose,
    now: datetime,
    policy: Policy,
    full: bool,
) -> SpendContext:
    """The state for one spend. With ``full`` (the diagnosis) everything is read; otherwise
    (the spend) a list is read only when the summary read with the line's lock says it can
    matter, so that both see exactly the same reasons."""
    line = locked.state
    party = (
        uow.parties.get_party(line.party_id)
        if full or line.status is not LineStatus.ACTIVE
        else None
    )
    freezes = (
        uow.freezes.freezes_of(line.id, active_only=True) if full or locked.open_freezes else []
    )
    cutoff = now - timedelta(days=policy.integer("occupancy_limit_days"))
    overdue = locked.oldest_occupancy is not None and locked.oldest_occupancy < cutoff
    occupancies = uow.holds.open_occupancies(line.id) if full or overdue else []
    licence_expired = (
        locked.licence_expires_on is not None and locked.licence_expires_on < local_date(now)
    )
    documents = (
        expired_required(uow.parties.documents_of(line.party_id), local_date(now))
        if full or licence_expired
        else []
    )
    ctx = SpendContext(
        line=line,
        amount=amount,
        purpose=purpose,
        now=now,
        policy=policy,
        party=party,
        freezes=tuple(freezes),
        occupancies=tuple(occupancies),
        expired_documents=tuple(documents),
    )
    large_today = 0
    if is_large(ctx):
        start, end = local_day_bounds(now)
        threshold = policy.money("large_spend_threshold", line.currency).minor
        large_today = uow.holds.count_large_spends(line.id, start, end, threshold)
    holds = uow.holds.open_holds(line.id) if full or amount.minor > available(ctx) else []
    return SpendContext(
        line=line,
        amount=amount,
        purpose=purpose,
        now=now,
        policy=policy,
        party=party,
        freezes=tuple(freezes),
        occupancies=tuple(occupancies),
        expired_documents=tuple(documents),
        large_spends_today=large_today,
        open_holds=tuple(holds),
    )


def freeze_target(uow: UnitOfWork, locked: LockedLine, now: datetime) -> int:
    if not locked.open_freezes:
        return 0
    return frozen_target(uow.freezes.freezes_of(locked.state.id, active_only=True), now)


def post_movement(
    uow: UnitOfWork,
    locked: LockedLine,
    movement_id: str,
    transfers: Sequence[Transfer],
    now: datetime,
    *,
    target: int | None = None,
) -> Balances:
    """Post ``transfers`` with the frozen account swept to the amount freezes in force before
    (a freeze that ended gives its quota back first) and after (quota that frees up fills a
    standing freeze). Returns the new balances."""
    if target is None:
        target = freeze_target(uow, locked, now)
    balances = locked.state.balances
    before = sweep_frozen(balances, target)
    moved = balances.apply(before).apply(transfers)
    after = sweep_frozen(moved, target)
    everything = [*before, *transfers, *after]
    if not everything:
        return balances
    posted = post(
        line_id=locked.state.id,
        head_seq=locked.seq,
        head_hash=locked.head_hash,
        movement_id=movement_id,
        transfers=everything,
        created_at=now,
    )
    result = moved.apply(after)
    uow.lines.post(locked, posted, result)
    return result


def balances_json(b: Balances, *, frozen: int | None = None) -> dict[str, Any]:
    def fmt(minor: int) -> str:
        return Money(minor, b.currency).format()

    frozen_now = b.frozen if frozen is None else frozen
    return {
        "currency": b.currency,
        "limit": fmt(b.limit),
        "held": fmt(b.held),
        "occupied": fmt(b.occupied),
        "frozen": fmt(frozen_now),
        "available": fmt(max(0, b.limit - b.held - b.occupied - frozen_now)),
        "fees_due": fmt(b.fees_due),
    }
