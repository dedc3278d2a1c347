"""What the spend rules look at (额度为什么用不了), read alike for a spend and its diagnosis."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from creditline.domain.installments.plans import OverduePeriod, overdue_today
from creditline.domain.money import Money
from creditline.domain.policy import Policy
from creditline.domain.quota.documents import expired_required
from creditline.domain.quota.evaluation import SpendContext, available, is_large
from creditline.domain.quota.freezes import Freeze, FreezeReason
from creditline.domain.quota.late_fees import daily_fee
from creditline.domain.quota.limits import LimitChange, pending_reduction
from creditline.domain.quota.lines import LineStatus
from creditline.domain.quota.purposes import Purpose
from creditline.domain.workdays import local_date, local_day_bounds
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import UnitOfWork

#: How many of a line's oldest open orders a diagnosis lists; the rest by cursor.
ORDERS_PAGE = 50


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
    # The oldest page of open orders and the database's count of them all: as cheap at
    # 10,000 open orders as at 10 (the overdue ones are the oldest, so they lead the page).
    paged = full or overdue
    occupancies = uow.holds.open_occupancies(line.id, limit=ORDERS_PAGE) if paged else []
    summary = uow.holds.occupancy_summary(line.id, cutoff) if paged else None
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
        occupancy_summary=summary,
        expired_documents=tuple(documents),
    )
    large_today = 0
    if is_large(ctx):
        start, end = local_day_bounds(now)
        threshold = policy.money("large_spend_threshold", line.currency)
        large_today = uow.holds.count_large_spends(line.id, start, end, threshold)
    short = amount > available(ctx)
    holds = uow.holds.open_holds(line.id) if full or short else []
    # A lowered limit is read only when the quota falls short and the limit was ever changed.
    changes = (
        uow.lines.limit_changes(line.id, limit=10)
        if line.limit_target is not None and (full or short)
        else []
    )
    return replace(
        ctx,
        installments_overdue=_installments_overdue(uow, freezes, line.id, now, policy),
        large_spends_today=large_today,
        open_holds=tuple(holds),
        limit_change=_lowering(changes, pending_reduction(line.balances, line.limit_target)),
    )


def _installments_overdue(
    uow: UnitOfWork, freezes: list[Freeze], line_id: str, now: datetime, policy: Policy
) -> tuple[OverduePeriod, ...]:
    """The overdue installment periods (分期逾期), read only under their freeze."""
    if not any(f.reason is FreezeReason.INSTALLMENT_OVERDUE for f in freezes):
        return ()
    rate = policy.rate("installment_late_fee_daily_rate")
    return tuple(
        overdue_today(
            uow.installments.plans_of(line_id),
            local_date(now),
            policy.integer("installment_grace_days"),
            lambda owed: daily_fee(owed, rate),
        )
    )


def _lowering(changes: list[LimitChange], pending: Money) -> LimitChange | None:
    """The change to name as ``limit_reduced``: the latest when it lowered the limit; else,
    while part of a reduction still waits, the latest change that lowered it (a temporary
    quota granted since does not hide it)."""
    if not changes:
        return None
    if changes[0].lowered or not pending.is_positive:
        return changes[0]
    return next((c for c in changes if c.lowered), None)
