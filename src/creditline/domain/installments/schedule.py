"""An installment plan's schedule (分期还款计划): due dates, principal and fee per period, and the
annualised rate (年化利率) the shopper is shown, an IRR over the plan's real cash flows.

Pure: dates come in as local dates, rates as ``Decimal``; nothing here reads a clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money

#: The tenors a shopper may choose (期数).
TENORS = (3, 6, 12)
MONTHS_PER_YEAR = 12


def parse_periods(value: int | str) -> int:
    """The number of periods, one of ``TENORS``."""
    try:
        periods = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("periods", "periods must be 3, 6 or 12") from None
    if periods not in TENORS:
        raise InvalidInput("periods", "periods must be 3, 6 or 12")
    return periods


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day when it is
    shorter (a purchase on 31 January falls due on 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // MONTHS_PER_YEAR, index % MONTHS_PER_YEAR + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(purchased_on: date, periods: int) -> list[date]:
    """Each period's due date: monthly on the purchase day (from the purchase date, never
    from the previous due date, so a short February does not pull later months back)."""
    return [add_months(purchased_on, k) for k in range(1, periods + 1)]


def split_evenly(total: Money, parts: int) -> list[Money]:
    """``total`` in ``parts`` as equal as fen allow, the largest remainders (the first parts)
    taking one fen more: the parts always add up to ``total`` exactly."""
    if parts <= 0:
        raise InvalidInput("periods", "periods must be positive")
    base, rest = divmod(total.minor, parts)
    return [Money(base + (1 if k < rest else 0), total.currency) for k in range(parts)]


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def total_fee(amount: Money, rate: Decimal, periods: int) -> Money:
    """The plan's fee (分期手续费): ``rate`` of the purchase per period, rounded half up to
    the fen once, on the whole."""
    return Money(round_half_up(Decimal(amount.minor) * rate * periods), amount.currency)


def period_fees(amount: Money, rate: Decimal, periods: int) -> list[Money]:
    """The fee of each period: the plan's fee split evenly, so they add up to it exactly."""
    return split_evenly(total_fee(amount, rate, periods), periods)


@dataclass(frozen=True, slots=True)
class ScheduledPeriod:
    """One period as scheduled at purchase."""

    number: int  # 1-based
    starts_on: date  # the purchase date for the first, the previous due date after
    due_on: date
    principal: Money
    fee: Money

    @property
    def payment(self) -> Money:
        return self.principal + self.fee


def build_schedule(
    amount: Money, periods: int, rate: Decimal, purchased_on: date, *, fee_free: bool = False
) -> list[ScheduledPeriod]:
    """The schedule of a purchase of ``amount`` in ``periods`` at ``rate`` per period; with
    ``fee_free`` (an interest-free promotion, 免息) the shopper's fees are all zero."""
    periods = parse_periods(periods)
    if amount.minor < periods:
        raise InvalidInput(
            "amount", f"amount must be at least 0.{periods:02d} for {periods} periods"
        )
    dues = due_dates(purchased_on, periods)
    principals = split_evenly(amount, periods)
    fees = (
        [Money.zero(amount.currency)] * periods if fee_free else period_fees(amount, rate, periods)
    )
    starts = [purchased_on, *dues[:-1]]
    return [
        ScheduledPeriod(k + 1, starts[k], dues[k], principals[k], fees[k]) for k in range(periods)
    ]


@dataclass(frozen=True, slots=True)
class AnnualRate:
    """The annualised rate of a plan's cash flows: the monthly IRR times 12 (the nominal
    rate that consumer-credit disclosure in China quotes, 单利年化) and compounded
    (``effective``, 复利年化), as decimal fractions rounded half up to 4 places (0.1303 is
    13.03%)."""

    monthly_irr: Decimal
    nominal: Decimal
    effective: Decimal

    def percent(self) -> str:
        return f"{self.nominal * 100:.2f}%"


_PLACES = Decimal("0.0001")


def annual_rate(amount: Money, payments: Sequence[Money]) -> AnnualRate:
    """The IRR of receiving ``amount`` now and paying ``payments`` one per month after."""
    if not payments or sum(p.minor for p in payments) <= amount.minor:
        zero = Decimal(0).quantize(_PLACES)
        return AnnualRate(Decimal(0), zero, zero)
    # Imported here: numpy is a third of what the API server imports at start, and only a
    # plan's rate needs it (a restart after a crash serves spends sooner without it).
    import numpy_financial as npf  # noqa: PLC0415

    flows = [-amount.minor, *(p.minor for p in payments)]
    irr = Decimal(str(npf.irr(flows)))  # numpy's float64, written out in full
    nominal = (irr * MONTHS_PER_YEAR).quantize(_PLACES, rounding=ROUND_HALF_UP)
    effective = ((1 + irr) ** MONTHS_PER_YEAR - 1).quantize(_PLACES, rounding=ROUND_HALF_UP)
    return AnnualRate(irr, nominal, effective)
