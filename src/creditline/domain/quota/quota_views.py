"""Pure figures of the holder's quota pages (额度管理, 额度监控表): how long each occupancy has
left before the over-long-occupancy limit (R9), a line's balances at the end of each Beijing
day replayed from its book, the days a freeze stood, and the daily monitor's lines against the
holder's monthly flow (the alert rule's flow, ``alert_rules.measure_flow``).

No clock and no I/O: the use cases pass ``now``, the transfers and the freezes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from creditline.domain.ledger import Balances, PostedTransfer
from creditline.domain.money import Money
from creditline.domain.quota.alert_rules import FLOW_MONTHS, FlowMeasure
from creditline.domain.quota.freezes import Freeze
from creditline.domain.workdays import local_date

#: An occupancy this many days or fewer from the limit is shown as urgent (red).
URGENT_DAYS = 3
#: The seed's advice: keep this percentage of the monthly flow available, in reserve.
RESERVE_PERCENT = 20
#: The daily monitor's lines, as percentages of the monthly flow (the alert levels, R21).
YELLOW_PERCENT = 50
RED_PERCENT = 30
#: The longest window a history or a monitor covers, in days.
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class OccupancyClock:
    """Where one occupancy stands against the limit: its age in whole days since capture, the
    days left (``limit_days - age_days``: 0 or less once the limit is reached), the instant it
    reaches the limit, whether it is over (the diagnosis's test: older than the limit) and
    whether it is within ``URGENT_DAYS`` of it."""

    age_days: int
    days_left: int
    due_at: datetime
    overdue: bool
    urgent: bool


def occupancy_clock(captured_at: datetime, now: datetime, limit_days: int) -> OccupancyClock:
    limit = timedelta(days=limit_days)
    age = now - captured_at
    days_left = limit_days - age.days
    return OccupancyClock(
        age_days=age.days,
        days_left=days_left,
        due_at=captured_at + limit,
        overdue=age > limit,  # as ``evaluation.overdue_occupancies`` judges it
        urgent=days_left <= URGENT_DAYS,
    )


def age_days(since: datetime, now: datetime) -> int:
    """Whole days from ``since`` to ``now``."""
    return (now - since).days


def day_range(last: date, days: int) -> list[date]:
    """The ``days`` calendar days ending with ``last``, oldest first."""
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]


def end_of_day_balances(
    transfers: Iterable[PostedTransfer], empty: Balances, days: list[date]
) -> list[Balances]:
    """The balances at the end of each of ``days`` (consecutive Beijing days, oldest first),
    replaying ``transfers`` in chain order from ``empty``; the last day counts every transfer
    made on it so far."""
    out: list[Balances] = []
    running, at = empty, 0
    for posted in transfers:
        on = local_date(posted.created_at)
        while at < len(days) and on > days[at]:
            out.append(running)
            at += 1
        if at == len(days):
            break
        running = running.apply([posted.transfer])
    out.extend([running] * (len(days) - at))
    return out


def freeze_end(freeze: Freeze, closed_at: datetime | None, now: datetime) -> datetime | None:
    """When a freeze stopped standing: its closing (lifted, expired), else its end once past
    (before the job marks it), else None: it still stands."""
    if closed_at is not None:
        return closed_at
    if freeze.ends_at is not None and freeze.ends_at <= now:
        return freeze.ends_at
    return None


def freeze_days(
    starts_at: datetime, ended_at: datetime | None, first: date, last: date
) -> tuple[date, date] | None:
    """The Beijing days in [first, last] on which a freeze stood at some time, or None."""
    start = local_date(starts_at)
    end = local_date(ended_at) if ended_at is not None else last
    if end < first or start > last or (ended_at is not None and ended_at <= starts_at):
        return None
    return max(start, first), min(end, last)


def flow_share(sales: Money, percent: int) -> Money:
    """``percent`` of the monthly flow (``sales / FLOW_MONTHS``), half up, as an amount."""
    den = FLOW_MONTHS * 100
    return Money((2 * sales.minor * percent + den) // (2 * den), sales.currency)


def covers_reserve(free: Money, sales: Money) -> bool:
    """Whether ``free`` is at least ``RESERVE_PERCENT`` of the monthly flow (in integers)."""
    return free.minor * FLOW_MONTHS * 100 >= RESERVE_PERCENT * sales.minor


def day_level(measured: FlowMeasure | None) -> str:
    """The monitor's level of a day: ``red``/``yellow`` as the alert rule puts it, ``green``
    above both lines, ``none`` when there is no flow to measure against."""
    if measured is None:
        return "none"
    return "green" if measured.level is None else measured.level.value
