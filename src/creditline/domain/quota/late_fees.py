"""Late fees (滞纳金) on over-long occupancy. There is no interest on the quota itself."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from creditline.domain.money import Money
from creditline.domain.workdays import local_date


def daily_fee(outstanding: Money, rate: Decimal) -> Money:
    """One day's fee on ``outstanding``, rounded half up to the fen."""
    fee = (Decimal(outstanding.minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Money(int(fee), outstanding.currency)


def fee_days(
    captured_at: datetime, now: datetime, limit_days: int, accrued_through: date | None
) -> tuple[int, date | None]:
    """Whole local days overdue not yet charged, and the last day they run to.

    Occupancy captured on day D may last ``limit_days`` days; the first day charged is the
    first whole day after that (Asia/Shanghai), the last is yesterday.
    """
    first = local_date(captured_at) + timedelta(days=limit_days + 1)
    if accrued_through is not None:
        first = max(first, accrued_through + timedelta(days=1))
    last = local_date(now) - timedelta(days=1)
    if last < first:
        return 0, None
    return (last - first).days + 1, last
