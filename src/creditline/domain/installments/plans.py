"""An installment plan (分期计划) and its periods as they are paid, waived and returned.

Every operation here is a pure function from a plan (and a local date) to the plan after it and
what moved, in fen, so the service can post exactly that to the line's book. The invariants,
checked by ``check_plan`` and by the property tests:

- each period: paid <= charged for principal, fee and late fee, and waived fee <= fee - paid;
- the periods' principal plus the quota released by returns is the purchase amount;
- the periods' fees never change after purchase except by waivers (a payoff, a return).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from creditline.domain.errors import InvalidInput, InvariantViolation
from creditline.domain.installments.schedule import ScheduledPeriod
from creditline.domain.money import Money


class PlanStatus(StrEnum):
    ACTIVE = "active"  # 还款中
    SETTLED = "settled"  # 已结清: every period paid
    PAID_OFF = "paid_off"  # 提前结清: paid off before its last due date
    RETURNED = "returned"  # 已退货: returned whole, nothing left to pay


class PeriodStatus(StrEnum):
    UPCOMING = "upcoming"  # not started yet
    CURRENT = "current"  # started, not yet due
    GRACE = "grace"  # past its due date, within the grace days
    OVERDUE = "overdue"  # past its due date and the grace days (逾期)
    PAID = "paid"  # 已还
    CANCELLED = "cancelled"  # nothing was owed on it any more without a payment (returned)


@dataclass(frozen=True, slots=True)
class Period:
    """One period (一期) as it stands."""

    number: int
    starts_on: date
    due_on: date
    principal: Money
    fee: Money
    paid_principal: Money
    paid_fee: Money
    waived_fee: Money
    late_fee: Money
    paid_late_fee: Money
    late_fee_through: date | None = None  # the last day a late fee was charged for
    dunned: int = 0  # the last dunning stage sent, in days overdue (催收)
    score_lowered: bool = False  # the shopper's credit score was lowered for it

    @classmethod
    def scheduled(cls, s: ScheduledPeriod) -> Period:
        zero = Money.zero(s.principal.currency)
        return cls(
            s.number, s.starts_on, s.due_on, s.principal, s.fee, zero, zero, zero, zero, zero
        )

    @property
    def owed_principal(self) -> Money:
        return self.principal - self.paid_principal

    @property
    def owed_fee(self) -> Money:
        return self.fee - self.paid_fee - self.waived_fee

    @property
    def owed_late_fee(self) -> Money:
        return self.late_fee - self.paid_late_fee

    @property
    def owed_base(self) -> Money:
        """Principal and fee still owed: what a late fee accrues on."""
        return self.owed_principal + self.owed_fee

    @property
    def owed(self) -> Money:
        return self.owed_base + self.owed_late_fee

    @property
    def paid(self) -> Money:
        return self.paid_principal + self.paid_fee + self.paid_late_fee

    def started(self, today: date) -> bool:
        return self.starts_on <= today

    def days_overdue(self, today: date, grace_days: int) -> int:
        """Whole days past the due date and the grace days while principal or fee is owed."""
        if not self.owed_base.is_positive:
            return 0
        return max(0, (today - self.due_on).days - grace_days)

    def status(self, today: date, grace_days: int) -> PeriodStatus:
        if not self.owed.is_positive:
            return PeriodStatus.PAID if self.paid.is_positive else PeriodStatus.CANCELLED
        if today < self.starts_on:
            return PeriodStatus.UPCOMING
        if today <= self.due_on:
            return PeriodStatus.CURRENT
        if self.days_overdue(today, grace_days) == 0:
            return PeriodStatus.GRACE
        return PeriodStatus.OVERDUE


@dataclass(frozen=True, slots=True)
class Plan:
    """A purchase on an installment line, with its periods."""

    id: str
    line_id: str
    party_id: str
    merchant_id: str
    order_id: str
    hold_id: str
    amount: Money
    periods: tuple[Period, ...]
    fee_rate: str  # the policy's rate per period, as text (exact)
    status: PlanStatus = PlanStatus.ACTIVE
    promotion_id: str | None = None
    merchant_fee: Money | None = None  # the fee the merchant pays under a promotion (贴息)
    returned: Money = field(default=None)  # type: ignore[assignment]  # goods value returned
    released: Money = field(default=None)  # type: ignore[assignment]  # quota released by returns
    refunded: Money = field(default=None)  # type: ignore[assignment]  # cash back to the shopper

    def __post_init__(self) -> None:
        zero = Money.zero(self.amount.currency)
        for name in ("returned", "released", "refunded"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, zero)

    @property
    def currency(self) -> str:
        return self.amount.currency

    def _total(self, values: Sequence[Money]) -> Money:
        return Money.total(values, self.currency)

    @property
    def owed_principal(self) -> Money:
        return self._total([p.owed_principal for p in self.periods])

    @property
    def owed_fees(self) -> Money:
        """Fees and late fees still owed."""
        return self._total([p.owed_fee + p.owed_late_fee for p in self.periods])

    @property
    def owed(self) -> Money:
        return self._total([p.owed for p in self.periods])

    @property
    def fee_total(self) -> Money:
        return self._total([p.fee for p in self.periods])

    @property
    def is_open(self) -> bool:
        return self.status is PlanStatus.ACTIVE

    def next_due(self) -> Period | None:
        """The oldest period with something owed."""
        return next((p for p in self.periods if p.owed.is_positive), None)

    def overdue_periods(self, today: date, grace_days: int) -> list[Period]:
        return [p for p in self.periods if p.days_overdue(today, grace_days) > 0]

    def earned(self, period: Period, today: date, extra_periods: int) -> bool:
        """Whether ``period``'s fee is earned at a payoff today: it has started, or it is one
        of the ``extra_periods`` after the last started one (policy, default 0)."""
        if period.started(today):
            return True
        unstarted = [p.number for p in self.periods if not p.started(today)]
        return period.number in unstarted[:extra_periods]

    def payoff_amount(self, today: date, extra_periods: int) -> Money:
        """What paying the plan off today takes: principal, late fees, and only the earned
        fees (提前结清)."""
        return self._total(
            [
                p.owed_principal
                + p.owed_late_fee
                + (
                    p.owed_fee
                    if self.earned(p, today, extra_periods)
                    else Money.zero(self.currency)
                )
                for p in self.periods
            ]
        )

    def with_periods(self, periods: Sequence[Period], **changes: object) -> Plan:
        return replace(self, periods=tuple(periods), **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Moves:
    """What one operation moved, in the plan's currency: the service posts these."""

    principal: Money  # principal repaid (quota back)
    fees: Money  # installment fees paid
    late_fees: Money  # late fees paid
    waived: Money  # fees written off
    released: Money = field(default=None)  # type: ignore[assignment]  # quota released by a return
    refund: Money = field(default=None)  # type: ignore[assignment]  # cash back to the shopper
    refund_fees: Money = field(default=None)  # type: ignore[assignment]  # of which paid fees

    def __post_init__(self) -> None:
        for name in ("released", "refund", "refund_fees"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, Money.zero(self.principal.currency))

    @property
    def paid(self) -> Money:
        return self.principal + self.fees + self.late_fees


def _zero(currency: str) -> Money:
    return Money.zero(currency)


def close_status(plan: Plan, today: date) -> PlanStatus:
    if plan.owed.is_positive:
        return PlanStatus.ACTIVE
    if plan.returned == plan.amount:
        return PlanStatus.RETURNED
    if any(p.due_on > today for p in plan.periods):
        return PlanStatus.PAID_OFF
    return PlanStatus.SETTLED


def waive_unearned(plan: Plan, today: date, extra_periods: int) -> tuple[Plan, Money]:
    """Write off the fees of the periods not earned today (their owed part)."""
    waived = _zero(plan.currency)
    periods = []
    for p in plan.periods:
        if plan.earned(p, today, extra_periods) or not p.owed_fee.is_positive:
            periods.append(p)
            continue
        waived += p.owed_fee
        periods.append(replace(p, waived_fee=p.waived_fee + p.owed_fee))
    return plan.with_periods(periods), waived


def repay(plan: Plan, amount: Money, today: date, extra_periods: int) -> tuple[Plan, Moves]:
    """Pay ``amount`` into the plan (还款): the oldest period first, within it late fees, then
    fees, then principal. A period that has not started yet takes principal only (its fee
    falls due with it). Once no principal is owed, the fees not earned are written off; an
    amount equal to the payoff amount pays the plan off (提前结清). More is refused."""
    if plan.status is not PlanStatus.ACTIVE:
        raise InvalidInput("plan", f"plan {plan.id} is {plan.status.value}: nothing is owed")
    if not amount.is_positive:
        raise InvalidInput("amount", "amount must be positive")
    if amount.currency != plan.currency:
        raise InvalidInput("amount", f"amount currency must be {plan.currency}")
    payoff = plan.payoff_amount(today, extra_periods)
    if amount > payoff:
        raise InvalidInput(
            "amount",
            f"amount {amount.format()} is more than the plan owes: paying it off today takes "
            f"{payoff.format()}",
        )
    waived = _zero(plan.currency)
    if amount == payoff:
        plan, waived = waive_unearned(plan, today, extra_periods)
    left = amount
    paid = {
        "principal": _zero(plan.currency),
        "fee": _zero(plan.currency),
        "late": _zero(plan.currency),
    }
    periods = []
    for p in plan.periods:
        late = left.min(p.owed_late_fee)
        left -= late
        fee = left.min(p.owed_fee) if p.started(today) or amount == payoff else _zero(plan.currency)
        left -= fee
        principal = left.min(p.owed_principal)
        left -= principal
        paid["late"] += late
        paid["fee"] += fee
        paid["principal"] += principal
        periods.append(
            replace(
                p,
                paid_late_fee=p.paid_late_fee + late,
                paid_fee=p.paid_fee + fee,
                paid_principal=p.paid_principal + principal,
            )
        )
    plan = plan.with_periods(periods)
    if left.is_positive:  # past the principal: fees earned ahead of their periods (policy)
        plan, fees, late_fees = pay_fees(plan, left)
        paid["fee"] += fees
        left -= fees + late_fees
    if left.is_positive:
        raise InvariantViolation(f"{left.format()} of a repayment found no period to pay")
    if not plan.owed_principal.is_positive:
        plan, more = waive_unearned(plan, today, extra_periods)
        waived += more
    plan = replace(plan, status=close_status(plan, today))
    return plan, Moves(paid["principal"], paid["fee"], paid["late"], waived)


def accrue_late_fees(
    plan: Plan, today: date, grace_days: int, daily: Callable[[Money], Money]
) -> tuple[Plan, Money]:
    """Charge each overdue period its daily late fee (滞纳金, ``daily`` of what it owes in
    principal and fee) for every whole day past its due date and grace days not yet charged,
    through yesterday: a day is never charged twice."""
    charged = _zero(plan.currency)
    periods = []
    last = today - timedelta(days=1)
    for p in plan.periods:
        first = p.due_on + timedelta(days=grace_days + 1)
        if p.late_fee_through is not None:
            first = max(first, p.late_fee_through + timedelta(days=1))
        if not p.owed_base.is_positive or last < first:
            periods.append(p)
            continue
        fee = daily(p.owed_base) * ((last - first).days + 1)
        charged += fee
        periods.append(replace(p, late_fee=p.late_fee + fee, late_fee_through=last))
    return plan.with_periods(periods), charged


def pay_fees(plan: Plan, amount: Money) -> tuple[Plan, Money, Money]:
    """Pay late fees, then fees, oldest period first, with up to ``amount``."""
    left, fees, late_fees = amount, _zero(plan.currency), _zero(plan.currency)
    periods = []
    for p in plan.periods:
        late = left.min(p.owed_late_fee)
        fee = (left - late).min(p.owed_fee)
        left -= late + fee
        late_fees += late
        fees += fee
        periods.append(replace(p, paid_late_fee=p.paid_late_fee + late, paid_fee=p.paid_fee + fee))
    return plan.with_periods(periods), fees, late_fees


@dataclass(frozen=True, slots=True)
class OverduePeriod:
    """A period overdue today, as ``why`` names it: what repaying it takes (its principal,
    fee and late fees, with the late fees up to today)."""

    plan_id: str
    order_id: str
    number: int
    due_on: date
    days: int
    owed: Money


def overdue_today(
    plans: Sequence[Plan], today: date, grace_days: int, daily: Callable[[Money], Money]
) -> list[OverduePeriod]:
    """Every period of ``plans`` overdue today, oldest due first, each with what it owes
    once the late fees not yet charged are counted."""
    found: list[OverduePeriod] = []
    for plan in plans:
        if plan.status is not PlanStatus.ACTIVE:
            continue
        current, _ = accrue_late_fees(plan, today, grace_days, daily)
        found.extend(
            OverduePeriod(plan.id, plan.order_id, p.number, p.due_on, days, p.owed)
            for p in current.periods
            if (days := p.days_overdue(today, grace_days)) > 0
        )
    return sorted(found, key=lambda o: (o.due_on, o.plan_id, o.number))


DUNNING_STAGES = (1, 3, 7, 30)  # days overdue at which a dunning notice goes out (催收)


def dunning_due(period: Period, today: date, grace_days: int) -> list[int]:
    """The dunning stages ``period`` has reached and not yet been sent, oldest first."""
    days = period.days_overdue(today, grace_days)
    return [s for s in DUNNING_STAGES if period.dunned < s <= days]


def check_plan(plan: Plan) -> None:
    """The plan's own invariants (see the module's docstring)."""
    zero = Money.zero(plan.currency)
    for p in plan.periods:
        if not (zero <= p.paid_principal <= p.principal):
            raise InvariantViolation(f"period {p.number}: principal paid beyond principal")
        if not (zero <= p.paid_fee and zero <= p.waived_fee and p.paid_fee + p.waived_fee <= p.fee):
            raise InvariantViolation(f"period {p.number}: fee paid or waived beyond the fee")
        if not (zero <= p.paid_late_fee <= p.late_fee):
            raise InvariantViolation(f"period {p.number}: late fee paid beyond the late fee")
    principal = Money.total((p.principal for p in plan.periods), plan.currency)
    if principal + plan.released != plan.amount:
        raise InvariantViolation(
            f"plan {plan.id}: periods' principal {principal.format()} and released "
            f"{plan.released.format()} do not add up to {plan.amount.format()}"
        )
