"""Overdue periods (逾期): late fees charged day by day, never twice for a day.

``catch_up`` brings one plan's late fees up to today inside the caller's transaction (under the
line's lock); every write to a plan calls it first, so a repayment pays the late fees the due
job would have charged had it run.
"""

from __future__ import annotations

from datetime import datetime

from creditline.domain.installments.plans import Plan, accrue_late_fees
from creditline.domain.money import Money
from creditline.domain.policy import Policy
from creditline.domain.quota.freezes import FreezeReason
from creditline.domain.quota.late_fees import daily_fee
from creditline.domain.workdays import local_date
from creditline.service.ids import new_child_id
from creditline.service.installments.ledger_moves import late_fee_charge, post_plan
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.quota.repayment import lift_repaid, standing_freezes
from creditline.service.uow import UnitOfWork


def catch_up(
    uow: UnitOfWork, locked: LockedLine, plan: Plan, now: datetime, policy: Policy
) -> tuple[LockedLine, Plan, Money]:
    """Charge the plan's late fees (滞纳金) through yesterday; returns the line, the plan and
    what was charged (the plan is saved when anything was)."""
    rate = policy.rate("installment_late_fee_daily_rate")
    grace = policy.integer("installment_grace_days")
    after, charged = accrue_late_fees(
        plan, local_date(now), grace, lambda owed: daily_fee(owed, rate)
    )
    if not charged.is_positive:
        return locked, after, charged
    entry = new_child_id("ife", plan.line_id)
    locked = post_plan(uow, locked, entry, late_fee_charge(after, charged), now)
    uow.installments.save_plan(after, now)
    overdue = {
        str(p.number): p.late_fee.format()
        for p in after.periods
        if p.late_fee != next(q for q in plan.periods if q.number == p.number).late_fee
    }
    uow.installments.add_entry(
        after,
        entry_id=entry,
        kind="late_fee",
        amount=charged.minor,
        detail={"periods": overdue, "rate": str(rate)},
        now=now,
    )
    uow.events.emit(
        "installment.late_fee",
        {"plan": plan.id, "charged": charged.format(), "periods": overdue, "rate": str(rate)},
        now,
        line_id=plan.line_id,
    )
    return locked, after, charged


def overdue_on_line(
    uow: UnitOfWork, line_id: str, now: datetime, policy: Policy
) -> list[tuple[Plan, int, int]]:
    """(plan, period number, days overdue) of every period of the line's open plans that is
    overdue today, oldest due first."""
    today, grace = local_date(now), policy.integer("installment_grace_days")
    found = [
        (plan, p.number, p.days_overdue(today, grace), p.due_on)
        for plan in uow.installments.plans_of(line_id)
        if plan.is_open
        for p in plan.periods
        if p.days_overdue(today, grace) > 0
    ]
    found.sort(key=lambda f: (f[3], f[0].id, f[1]))
    return [(plan, number, days) for plan, number, days, _ in found]


def lift_if_clear(uow: UnitOfWork, line_id: str, now: datetime, policy: Policy) -> list[str]:
    """Lift the line's ``installment_overdue`` freezes once none of its periods is overdue:
    repaying what was overdue lifts the freeze by itself."""
    freezes = standing_freezes(uow, line_id, FreezeReason.INSTALLMENT_OVERDUE)
    if not freezes or overdue_on_line(uow, line_id, now, policy):
        return []
    return lift_repaid(uow, freezes, "overdue installments repaid", now)
