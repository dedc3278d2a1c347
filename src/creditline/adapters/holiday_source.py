"""The working-day calendar: official notices loaded as data win over the chinese-calendar
package; past both, holidays are estimated from their own rules and the answer is provisional.

Past the known calendar a day is a holiday when ``domain.holiday_rules`` expects one, else a
working day on weekdays. The 调休 working days (weekends worked in exchange) cannot be
estimated, as the State Council decides them in each year's notice; loading that notice with
``creditline calendar load`` replaces the estimate for its year.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import chinese_calendar

from creditline.domain.errors import InvalidInput
from creditline.domain.holiday_rules import ESTIMATE, FIRST_YEAR, LAST_YEAR, expected_holidays
from creditline.domain.text import printable_text
from creditline.domain.workdays import DayInfo, weekday_rule

# A notice's 元旦 break and its 调休 may start in the previous December: the 2019 notice had
# 2018-12-29 worked and 2018-12-30..31 off.
REACH_BACK = dt.timedelta(days=3)
#: The longest name of a day a notice may give (the column that keeps it holds 40).
MAX_DAY_NAME = 40


def package_range() -> tuple[dt.date, dt.date]:
    days = sorted(chinese_calendar.holidays) + sorted(chinese_calendar.workdays)
    return min(days).replace(month=1, day=1), max(days).replace(month=12, day=31)


@functools.cache
def qingming(year: int) -> dt.date:
    """The day of the 清明 solar term in ``year`` (chinese-calendar computes 1900-2100)."""
    terms = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
    found: dt.date = next(day for day, name in terms if name == "清明")
    return found


@functools.cache
def estimated_holidays(year: int) -> dict[dt.date, str]:
    return expected_holidays(year, qingming(year))


def _notice_year(day: dt.date) -> int | None:
    """The year whose notice certainly covers ``day``; none for the late-December reach-back."""
    return None if (day + REACH_BACK).year != day.year else day.year


class ChineseCalendar:
    """``WorkCalendar`` over the package plus loaded days (``{date: (is_workday, name)}``)."""

    def __init__(self, loaded: dict[dt.date, tuple[bool, str]] | None = None) -> None:
        self.loaded = loaded or {}
        self._first, self._last = package_range()
        self._noticed = {year for d in self.loaded if (year := _notice_year(d)) is not None}

    def info(self, day: dt.date) -> DayInfo:
        if day in self.loaded:
            is_workday, name = self.loaded[day]
            return DayInfo(day, is_workday, provisional=False, name=name)
        if self._first <= day <= self._last:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            return DayInfo(day, not on_holiday, provisional=False, name=name or "")
        if day > self._last:
            # Next year's estimate too: a bridge before a Tuesday 元旦 falls on 31 December,
            # which next year's notice decides, not this year's.
            for year in (day.year, day.year + 1):
                if year in self._noticed or not FIRST_YEAR <= year <= LAST_YEAR:
                    continue
                holiday = estimated_holidays(year).get(day)
                if holiday:
                    return DayInfo(day, is_workday=False, provisional=True, name=holiday + ESTIMATE)
        if day.year in self._noticed:
            # A loaded notice lists holidays and adjusted days; other days follow the week.
            return DayInfo(day, day.weekday() < 5, provisional=False)
        return weekday_rule(day)

    def known_until(self) -> dt.date:
        """The end of the calendar known without a gap: the package, then loaded notices."""
        last = self._last
        while last.year + 1 in self._noticed:
            last = last.replace(year=last.year + 1)
        return last


def parse_notice(text: str) -> dict[dt.date, tuple[bool, str]]:
    """An official holiday notice (放假安排) as JSON::

    {"year": 2027,
     "holidays": [{"name": "春节", "from": "2027-02-06", "to": "2027-02-13"}],
     "workdays": [{"name": "春节调休", "date": "2027-02-14"}]}

    Every date is in the notice's year, except that the 元旦 break may reach back to
    29 December of the year before, as real notices do. A day may not be both a holiday and a
    workday: which one the State Council meant is unknowable, so the notice is refused.
    """
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("file", f"file is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidInput("file", "file must be a JSON object with 'year' and 'holidays'")
    year = doc.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput("year", f"year must be a whole year {FIRST_YEAR}-{LAST_YEAR}")
    earliest, latest = dt.date(year, 1, 1) - REACH_BACK, dt.date(year, 12, 31)
    holidays = _holidays(doc, year, earliest, latest)
    days = {day: (False, name) for day, name in holidays.items()}
    for item in _items(doc, "workdays"):
        day = _date(item.get("date"), "workdays.date")
        if not earliest <= day <= latest:
            raise InvalidInput("workdays", f"workday {day} is not in {year}")
        if day in holidays:
            raise InvalidInput("workdays", f"{day} is listed as a holiday and as a workday")
        days[day] = (True, _name(item, "workdays.name"))
    return days


def _holidays(
    doc: dict[str, Any], year: int, earliest: dt.date, latest: dt.date
) -> dict[dt.date, str]:
    holidays: dict[dt.date, str] = {}
    for item in _items(doc, "holidays"):
        start, end = _date(item.get("from"), "holidays.from"), _date(item.get("to"), "holidays.to")
        if end < start or (end - start).days > 30:
            raise InvalidInput("holidays", f"holiday range {start}..{end} is not valid")
        if start < earliest or end > latest:
            raise InvalidInput("holidays", f"holiday {start}..{end} is not in {year}")
        for n in range((end - start).days + 1):
            holidays.setdefault(start + dt.timedelta(days=n), _name(item, "holidays.name"))
    if not holidays:
        raise InvalidInput("holidays", f"notice for {year} lists no holidays")
    return holidays


def _name(item: dict[str, Any], field: str) -> str:
    """A day's name (春节, 国庆节调休): shown to holders, so printable, and short enough to
    be stored whole."""
    return printable_text(str(item.get("name", "")), field, max_length=MAX_DAY_NAME, required=False)


def _items(doc: dict[str, Any], field: str) -> list[dict[str, Any]]:
    items = doc.get(field, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidInput(field, f"{field} must be a list of objects")
    return items


def _date(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            field, f"{field} must be a date like 2027-02-06, got {value!r}"
        ) from None


def read_notice(path: str) -> dict[dt.date, tuple[bool, str]]:
    try:
        # utf-8-sig: a notice saved by Windows Notepad starts with a BOM
        return parse_notice(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InvalidInput("file", f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "file", f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
