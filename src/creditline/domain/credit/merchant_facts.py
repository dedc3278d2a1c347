"""A merchant's facts as the merchant card reads them, from its history on the platform:
monthly settled sales (the mean over the last full calendar months, Beijing time), whole months
on the platform, order completion and return rates (percent, one decimal), disputes and
violations in the last 12 months, and its category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from creditline.domain.credit.points_table import Fact
from creditline.domain.money import Money
from creditline.domain.workdays import SHANGHAI, local_date

#: The window of the counts: orders, disputes and violations of the last 12 months.
YEAR = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class MerchantHistory:
    """What the database holds about a merchant, counted (see ``CreditRepo.merchant_history``).

    ``sales``: confirmed orders' proceeds (amount less what was returned), in minor units, one
    sum per window of ``month_windows``; the counts are of the last 12 months: orders placed,
    completed (confirmed), finished (confirmed or returned), returned (returned whole, or
    refunded in part after sale), disputes (dispute freezes and cases) and violations (opened
    in the 12 months, or still open)."""

    joined_at: datetime
    category: str | None
    sales: tuple[int, ...]
    orders: int
    completed: int
    finished: int
    returned: int
    disputes: int
    violations: int


def _month_start(year: int, month: int) -> datetime:
    return datetime.combine(date(year, month, 1), time(0, tzinfo=SHANGHAI)).astimezone(UTC)


def month_windows(now: datetime, months: int) -> list[tuple[datetime, datetime]]:
    """The last ``months`` full calendar months before ``now`` (Beijing time), oldest first,
    each as [start, end)."""
    today = local_date(now)
    year, month = today.year, today.month
    out = []
    for _ in range(months):
        end = _month_start(year, month)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        out.append((_month_start(year, month), end))
    return out[::-1]


def full_months(since: datetime, now: datetime) -> int:
    """Whole calendar months from ``since`` to ``now`` (Beijing time), never below 0."""
    a, b = since.astimezone(SHANGHAI), now.astimezone(SHANGHAI)
    months = (b.year - a.year) * 12 + b.month - a.month
    if (b.day, b.timetz().replace(tzinfo=None)) < (a.day, a.timetz().replace(tzinfo=None)):
        months -= 1
    return max(months, 0)


def tenths_percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent to one decimal, half up (None when ``whole`` is 0)."""
    if whole <= 0:
        return None
    tenths = (part * 2000 + whole) // (2 * whole)
    return Decimal(tenths).scaleb(-1)


def monthly_sales(
    history: MerchantHistory, windows: list[tuple[datetime, datetime]], currency: str = "CNY"
) -> Money:
    """The mean of the months the merchant was on the platform for (at least one)."""
    counted = [
        s for s, (_, end) in zip(history.sales, windows, strict=True) if end > history.joined_at
    ]
    return Money(sum(counted) // max(len(counted), 1), currency)


def merchant_facts(
    history: MerchantHistory, windows: list[tuple[datetime, datetime]], now: datetime
) -> tuple[dict[str, Fact], Money]:
    """The card's facts, and the monthly settled sales as money (what the sales cap uses)."""
    sales = monthly_sales(history, windows)
    facts: dict[str, Fact] = {
        "monthly_settled_sales": sales.minor // 100,
        "months_on_platform": full_months(history.joined_at, now),
        "order_completion_pct": tenths_percent(history.completed, history.finished),
        "return_rate_pct": tenths_percent(history.returned, history.orders),
        "disputes_12m": history.disputes,
        "violations_12m": history.violations,
        "category": history.category,
    }
    return facts, sales
