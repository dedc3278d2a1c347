"""Returns (退货) of an installment plan's goods: the quota released, the rest re-scheduled in
proportion, fees of unstarted periods never kept, and what was paid beyond what is owed
refunded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from creditline.domain.errors import InvalidInput, InvariantViolation
from creditline.domain.installments.plans import (
    Moves,
    Plan,
    close_status,
    pay_fees,
    waive_unearned,
)
from creditline.domain.money import Money


def give_back(
    plan: Plan, returned: Money, today: date, fees_left: Sequence[Money]
) -> tuple[Plan, Moves]:
    """A return (退货) of goods worth ``returned``.

    The quota it covers is released: principal owed falls by it, and the periods still owing
    principal are re-scheduled, each in proportion to what it owed, so that the periods add
    up exactly and none owes more than before. What it
    covers beyond the principal owed is principal the shopper paid, and comes back as cash.
    Fees of periods not started are never kept: each falls to ``fees_left`` (the schedule's
    fees on the amount left; all zero on a return of the whole), and a fee already paid
    beyond that is refunded. Once no principal is owed, the fees of unstarted periods are
    written off, and the cash coming back first pays what the plan still owes (earned fees,
    late fees). A return of the whole amount ends the plan (returned) once nothing is owed.
    """
    if returned.currency != plan.currency or not returned.is_positive:
        raise InvalidInput("amount", "amount must be positive, in the plan's currency")
    if len(fees_left) != len(plan.periods):
        raise InvariantViolation("a return needs one fee per period")
    left_value = plan.amount - plan.returned
    if returned > left_value:
        raise InvalidInput(
            "amount",
            f"amount {returned.format()} is more than the {left_value.format()} not yet returned",
        )
    whole = returned == left_value
    zero = Money.zero(plan.currency)
    owed = plan.owed_principal
    released = returned.min(owed)
    cash = returned - released
    owing = [p for p in plan.periods if p.owed_principal.is_positive]
    shares = scale_down([p.owed_principal for p in owing], owed - released)
    new_owed = {p.number: s for p, s in zip(owing, shares, strict=True)}
    periods, waived, refund_fees = [], zero, zero
    for p in plan.periods:
        new = p
        if p.number in new_owed:
            new = replace(new, principal=p.paid_principal + new_owed[p.number])
        if not p.started(today):
            standing = p.fee - p.waived_fee
            kept = standing.min(zero if whole else fees_left[p.number - 1])
            over = (p.paid_fee - kept).max(zero)
            drop = standing - kept
            waived += drop - over
            refund_fees += over
            new = replace(new, waived_fee=p.waived_fee + drop, paid_fee=p.paid_fee - over)
        periods.append(new)
    plan = plan.with_periods(
        periods, returned=plan.returned + returned, released=plan.released + released
    )
    if not plan.owed_principal.is_positive:
        plan, more = waive_unearned(plan, today, 0)
        waived += more
    back = cash + refund_fees
    plan, fees, late_fees = pay_fees(plan, back.min(plan.owed_fees))
    refund = back - fees - late_fees
    plan = replace(plan, refunded=plan.refunded + refund)
    plan = replace(plan, status=close_status(plan, today))
    return plan, Moves(zero, fees, late_fees, waived, released, refund, refund_fees)


def scale_down(parts: Sequence[Money], total: Money) -> list[Money]:
    """``parts`` scaled down in proportion to add up to ``total`` (not more than their sum)
    exactly, by largest remainder: no part grows, so a period nearly paid stays nearly paid
    and one overdue gets no new principal."""
    whole = sum(p.minor for p in parts)
    if not parts or whole == 0:
        return [Money.zero(total.currency) for _ in parts]
    exact = [(p.minor * total.minor, k) for k, p in enumerate(parts)]
    floors = [e // whole for e, _ in exact]
    rest = total.minor - sum(floors)
    for _, k in sorted(exact, key=lambda e: (-(e[0] % whole), e[1]))[:rest]:
        floors[k] += 1
    return [Money(f, total.currency) for f in floors]
