"""Working days (工作日) on the Chinese calendar, with adjusted working days (调休).

The rules see a ``WorkCalendar``; where it does not know a date it estimates one (holidays
from their own rules, ``holiday_rules``; weekdays otherwise) and marks the answer provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Protocol

from creditline.domain.errors import InvalidInput

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: date
    is_workday: bool
    provisional: bool = False
    name: str = ""


class WorkCalendar(Protocol):
    def info(self, day: date) -> DayInfo: ...

    def known_until(self) -> date: ...


def weekday_rule(day: date) -> DayInfo:
    return DayInfo(day, day.weekday() < 5, provisional=True)


def next_workday(calendar: WorkCalendar, day: date, days: int = 1) -> tuple[date, bool]:
    """The ``days``-th working day after ``day``; and whether any step was provisional."""
    current, provisional, left = day, False, days
    while left > 0:
        current += timedelta(days=1)
        info = calendar.info(current)
        provisional = provisional or info.provisional
        if info.is_workday:
            left -= 1
    return current, provisional


def add_working_days(calendar: WorkCalendar, start: datetime, days: int) -> tuple[datetime, bool]:
    """``start`` moved by ``days`` working days, same local time of day (Asia/Shanghai); and
    whether any day counted was estimated (provisional)."""
    local = start.astimezone(SHANGHAI)
    day, provisional = next_workday(calendar, local.date(), days)
    return datetime.combine(day, local.timetz()).astimezone(UTC), provisional


def local_date(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def local_midnight_after(instant: datetime) -> datetime:
    """The next 00:00 in Asia/Shanghai, in UTC: when a per-day count resets."""
    day = local_date(instant) + timedelta(days=1)
    return datetime.combine(day, time(0, tzinfo=SHANGHAI)).astimezone(UTC)


def local_day_bounds(instant: datetime) -> tuple[datetime, datetime]:
    day = local_date(instant)
    start = datetime.combine(day, time(0, tzinfo=SHANGHAI)).astimezone(UTC)
    return start, start + timedelta(days=1)


def iso_local(instant: datetime) -> str:
    """``2024-06-01T10:00:00+08:00``: an instant as every answer gives it, ISO 8601 in Beijing
    time. Instants are kept and computed in UTC; the holder reads 北京时间, so the answers
    convert here, at the edge, and nowhere else."""
    return instant.astimezone(SHANGHAI).isoformat()


def local_text(instant: datetime) -> str:
    """``2024-06-01 10:00`` in Beijing time, for people."""
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


#: The years a date given by a person may fall in: arithmetic near year 1 or 9999 would
#: overflow, and no line lives outside these.
YEARS = range(1970, 3000)


def parse_day(text: str, field: str) -> date:
    """A calendar date given as ``2024-05-01`` in ``YEARS``; bad input names ``field``."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"{field} must be a date like 2024-05-01, got {text!r}") from None
    if day.year not in YEARS:
        raise InvalidInput(field, f"{field} must be a date between 1970 and 2999, got {text!r}")
    return day
