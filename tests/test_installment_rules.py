"""Installment rules (分期) in the domain, checked against calculations made here, by hand:
schedules, the annual rate (an IRR found by bisection on exact decimals, not by the library the
code uses), repayment order, payoff, late fees and returns; and hypothesis properties over
random purchases, repayments, returns and day moves."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.domain.errors import InvalidInput
from creditline.domain.installments.plans import (
    Period,
    Plan,
    PlanStatus,
    accrue_late_fees,
    check_plan,
    repay,
)
from creditline.domain.installments.returns import give_back
from creditline.domain.installments.schedule import (
    annual_rate,
    build_schedule,
    due_dates,
    period_fees,
)
from creditline.domain.money import Money
from creditline.domain.quota.late_fees import daily_fee

M = Money.parse
RATES = {3: Decimal("0.0075"), 6: Decimal("0.0070"), 12: Decimal("0.0060")}


def irr_by_bisection(amount: int, payments: list[int]) -> Decimal:
    """The monthly rate r with amount = sum(p / (1 + r)^k): NPV falls as r grows."""

    def npv(r: Decimal) -> Decimal:
        return sum(
            (Decimal(p) / (1 + r) ** (k + 1) for k, p in enumerate(payments)), Decimal(0)
        ) - Decimal(amount)

    low, high = Decimal(0), Decimal(1)
    for _ in range(100):
        mid = (low + high) / 2
        if npv(mid) > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def plan_of(amount: str, periods: int, on: date, *, free: bool = False) -> Plan:
    money = M(amount)
    schedule = build_schedule(money, periods, RATES[periods], on, fee_free=free)
    return Plan(
        "inst_x", "line_x", "party", "shop", "o-1", "hold_x", money,
        tuple(Period.scheduled(s) for s in schedule), str(RATES[periods]),
    )  # fmt: skip


def test_the_worked_example_12000_over_12_periods_at_0_6_percent() -> None:
    schedule = build_schedule(M("12000.00"), 12, Decimal("0.006"), date(2026, 3, 15))
    assert {s.payment for s in schedule} == {M("1072.00")}
    rate = annual_rate(M("12000.00"), [s.payment for s in schedule])
    irr = irr_by_bisection(1_200_000, [107_200] * 12)
    quant = Decimal("0.0001")
    assert rate.nominal == (irr * 12).quantize(quant, rounding=ROUND_HALF_UP) == Decimal("0.1303")
    effective = ((1 + irr) ** 12 - 1).quantize(quant, rounding=ROUND_HALF_UP)
    assert rate.effective == effective == Decimal("0.1384")
    assert rate.percent() == "13.03%"


@pytest.mark.parametrize(("amount", "periods"), [("999.99", 3), ("1200.00", 6), ("7.00", 12)])
def test_annual_rates_of_other_tenors_agree_with_the_bisection(amount: str, periods: int) -> None:
    money = M(amount)
    schedule = build_schedule(money, periods, RATES[periods], date(2026, 1, 31))
    rate = annual_rate(money, [s.payment for s in schedule])
    irr = irr_by_bisection(money.minor, [s.payment.minor for s in schedule])
    expected = (irr * 12).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    assert abs(rate.nominal - expected) <= Decimal("0.0001")  # float IRR vs exact decimals
    assert rate.nominal > RATES[periods] * 12  # fees on the whole amount cost more than they say


def test_a_promotion_plan_costs_the_shopper_nothing() -> None:
    schedule = build_schedule(M("600.00"), 3, RATES[3], date(2026, 1, 1), fee_free=True)
    assert all(not s.fee.is_positive for s in schedule)
    assert annual_rate(M("600.00"), [s.payment for s in schedule]).nominal == 0


def test_due_dates_fall_on_the_purchase_day_or_the_month_end() -> None:
    assert due_dates(date(2026, 1, 31), 3) == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert due_dates(date(2027, 11, 30), 3)[-1] == date(2028, 2, 29)  # leap year
    assert due_dates(date(2026, 8, 15), 6)[-1] == date(2027, 2, 15)


def test_amounts_too_small_or_tenors_not_offered_are_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as small:
        build_schedule(M("0.05"), 6, RATES[6], date(2026, 1, 1))
    assert small.value.param == "amount"
    with pytest.raises(InvalidInput) as tenor:
        build_schedule(M("100.00"), 4, RATES[6], date(2026, 1, 1))
    assert tenor.value.param == "periods"


def test_repayment_pays_late_fees_then_fees_then_principal_oldest_first() -> None:
    plan = plan_of("600.00", 6, date(2026, 1, 10))  # 100.00 + 4.20 a period
    late = accrue_late_fees(plan, date(2026, 2, 20), 3, lambda o: daily_fee(o, Decimal("0.0005")))
    plan, charged = late
    # period 1 due 2026-02-10, overdue from the 14th; charged 14th..19th = 6 days on 104.20
    assert charged == daily_fee(M("104.20"), Decimal("0.0005")) * 6 == M("0.30")
    plan, moves = repay(plan, M("4.40"), date(2026, 2, 20), 0)
    assert (moves.late_fees, moves.fees, moves.principal) == (M("0.30"), M("4.10"), M("0.00"))
    plan, moves = repay(plan, M("100.20"), date(2026, 2, 20), 0)
    # period 1's fee and principal, then period 2 (started on 2026-02-10): its fee first
    assert (moves.fees, moves.principal) == (M("0.20"), M("100.00"))
    assert plan.periods[1].paid_fee == M("0.10")
    plan, moves = repay(plan, M("104.20"), date(2026, 2, 20), 0)
    # period 2 done (4.10 + 100.00), then period 3 has not started: principal only
    assert (moves.fees, moves.principal) == (M("4.10"), M("100.10"))
    assert plan.periods[2].paid_principal == M("0.10")
    again = accrue_late_fees(plan, date(2026, 2, 20), 3, lambda o: daily_fee(o, Decimal("0.0005")))
    assert again[1] == M("0.00")  # never twice for a day


def test_payoff_charges_only_the_earned_fees_and_more_is_refused() -> None:
    plan = plan_of("600.00", 6, date(2026, 1, 10))
    today = date(2026, 2, 15)  # periods 1 and 2 have started
    assert plan.payoff_amount(today, 0) == M("608.40")
    assert plan.payoff_amount(today, 1) == M("612.60")
    with pytest.raises(InvalidInput) as too_much:
        repay(plan, M("608.41"), today, 0)
    assert too_much.value.param == "amount"
    paid, moves = repay(plan, M("608.40"), today, 0)
    assert paid.status is PlanStatus.PAID_OFF
    assert moves.waived == M("16.80")  # four unstarted periods' fees written off
    assert not paid.owed.is_positive


def test_a_partial_return_reschedules_and_a_whole_one_refunds_what_was_paid_beyond() -> None:
    plan = plan_of("600.00", 6, date(2026, 1, 10))
    today = date(2026, 2, 15)
    plan, _ = repay(plan, M("104.20"), today, 0)  # period 1 paid
    fees_left = period_fees(M("300.00"), RATES[6], 6)
    plan, moves = give_back(plan, M("300.00"), today, fees_left)
    check_plan(plan)
    assert moves.released == M("300.00")
    assert [p.owed_principal for p in plan.periods] == [M("0.00")] + [M("40.00")] * 5
    assert [p.owed_fee for p in plan.periods][2:] == [M("2.10")] * 4  # unstarted: on 300.00
    plan, moves = give_back(plan, M("300.00"), today, [Money.zero()] * 6)
    check_plan(plan)
    # Paid 104.20 (100.00 principal, 4.20 fee of period 1); period 2's fee 4.20 is earned:
    # it is netted from the 100.00 principal that comes back.
    assert (moves.released, moves.fees, moves.refund) == (M("200.00"), M("4.20"), M("95.80"))
    assert plan.status is PlanStatus.RETURNED


DAYS = st.integers(min_value=0, max_value=400)


@settings(max_examples=200, deadline=None)
@given(
    minor=st.integers(min_value=12, max_value=10**9),
    periods=st.sampled_from([3, 6, 12]),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    steps=st.lists(
        st.tuples(st.sampled_from(["repay", "return", "late"]), DAYS, st.integers(1, 100)),
        max_size=8,
    ),
)
def test_every_step_keeps_the_plan_exact(
    minor: int, periods: int, start: date, steps: list[tuple[str, int, int]]
) -> None:
    """Schedules add up; principal, fees and late fees are never paid twice or beyond what
    was charged; principal and released quota add up to the purchase."""
    amount = Money(minor)
    plan = plan_of(amount.format(), periods, start)
    assert sum(p.principal.minor for p in plan.periods) == minor
    assert sum(p.fee.minor for p in plan.periods) == int(
        (Decimal(minor) * RATES[periods] * periods).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )
    today = start
    rate = Decimal("0.0005")
    for kind, days, share in steps:
        today += timedelta(days=days)
        plan, _ = accrue_late_fees(plan, today, 3, lambda o: daily_fee(o, rate))
        if kind == "repay" and plan.status is PlanStatus.ACTIVE:
            payoff = plan.payoff_amount(today, 0)
            pay = Money(max(1, payoff.minor * share // 100))
            before = plan.owed
            plan, moves = repay(plan, pay, today, 0)
            assert before - plan.owed == moves.paid + moves.waived
        elif kind == "return":
            left = plan.amount - plan.returned
            if left.is_positive:
                back = Money(max(1, left.minor * share // 100))
                rest = left - back
                fees = (
                    period_fees(rest, RATES[periods], periods)
                    if rest.is_positive
                    else [Money.zero()] * periods
                )
                owed_before = [p.owed_principal for p in plan.periods]
                plan, moves = give_back(plan, back, today, fees)
                owed_after = [p.owed_principal for p in plan.periods]
                assert all(a <= b for a, b in zip(owed_after, owed_before, strict=True))
                assert moves.released + (moves.refund - moves.refund_fees) + moves.fees + (
                    moves.late_fees
                ) >= back.min(moves.released)
        check_plan(plan)
        principal = sum(p.principal.minor for p in plan.periods)
        assert principal + plan.released.minor == minor
        assert not plan.owed_principal.is_positive or plan.status is PlanStatus.ACTIVE
