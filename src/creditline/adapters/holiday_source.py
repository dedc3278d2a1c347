"""The working-day calendar: official notices loaded as data win over the chinese-calendar
package; where neither knows a date, weekdays count and the answer is provisional."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import chinese_calendar

from creditline.domain.errors import InvalidInput
from creditline.domain.workdays import DayInfo, weekday_rule


def package_range() -> tuple[dt.date, dt.date]:
    days = sorted(chinese_calendar.holidays) + sorted(chinese_calendar.workdays)
    return min(days).replace(month=1, day=1), max(days).replace(month=12, day=31)


class ChineseCalendar:
    """``WorkCalendar`` over the package plus loaded days (``{date: (is_workday, name)}``)."""

    def __init__(self, loaded: dict[dt.date, tuple[bool, str]] | None = None) -> None:
        self.loaded = loaded or {}
        self._first, self._last = package_range()

    def info(self, day: dt.date) -> DayInfo:
        if day in self.loaded:
            is_workday, name = self.loaded[day]
            return DayInfo(day, is_workday, provisional=False, name=name)
        if self._first <= day <= self._last:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            return DayInfo(day, not on_holiday, provisional=False, name=name or "")
        if self.loaded and min(self.loaded).year <= day.year <= max(self.loaded).year:
            # A loaded notice lists holidays and adjusted days; other days follow the week.
            return DayInfo(day, day.weekday() < 5, provisional=False)
        return weekday_rule(day)

    def known_until(self) -> dt.date:
        last = self._last
        if self.loaded:
            last = max(last, max(self.loaded).replace(month=12, day=31))
        return last


def parse_notice(text: str) -> dict[dt.date, tuple[bool, str]]:
    """An official holiday notice as JSON::

    {"year": 2027,
     "holidays": [{"name": "春节", "from": "2027-02-06", "to": "2027-02-13"}],
     "workdays": [{"name": "春节调休", "date": "2027-02-14"}]}
    """
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("file", f"file is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("year"), int):
        raise InvalidInput("file", "file must be a JSON object with an integer 'year'")
    year = doc["year"]
    days: dict[dt.date, tuple[bool, str]] = {}
    for item in doc.get("holidays", []):
        start, end = _date(item.get("from"), "holidays.from"), _date(item.get("to"), "holidays.to")
        if end < start or (end - start).days > 30:
            raise InvalidInput("holidays", f"holiday range {start}..{end} is not valid")
        for n in range((end - start).days + 1):
            days[start + dt.timedelta(days=n)] = (False, str(item.get("name", "")))
    for item in doc.get("workdays", []):
        days[_date(item.get("date"), "workdays.date")] = (True, str(item.get("name", "")))
    if not days or any(d.year not in {year, year - 1, year + 1} for d in days):
        raise InvalidInput("file", f"notice for {year} must list days of that year")
    return days


def _date(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            field, f"{field} must be a date like 2027-02-06, got {value!r}"
        ) from None


def read_notice(path: str) -> dict[dt.date, tuple[bool, str]]:
    try:
        return parse_notice(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput("file", f"cannot read {path}: {exc.strerror}") from None
