"""Expected public holidays (法定节假日) of a year, estimated from the holidays' own rules.

The State Council publishes each year's holidays and adjusted working days (调休) in a notice
late the year before; past the last notice we still have to answer "next working day". The
holidays themselves follow fixed rules (《全国年节及纪念日放假办法》, as amended in 2024 and
in force from 2025), so their dates can be estimated years ahead. What is estimated:

- 元旦 1 January; 清明 on the day of the 清明 solar term; 端午 the 5th day of the 5th lunar
  month; 中秋 the 15th of the 8th lunar month: one day each.
- 春节 from 除夕 (Chinese New Year's Eve) to the 7th day of the first lunar month, 8 days: the
  statutory 4 days (除夕 to 初三) and the customary break of 2025 and 2026. Before 2025 the
  statutory days were 初一 to 初三 and the customary break ran 除夕 to 初六, 7 days.
- 劳动节 1-5 May: 2 statutory days and the customary 5-day break.
- 国庆 1-7 October: 3 statutory days and the customary 7-day break. When 中秋 falls on
  29 September to 7 October the two are joined into one 8-day break starting at the earlier
  of 中秋 and 1 October, as in 2017, 2020, 2023 and 2025.
- A one-day holiday on a weekend is observed on the next weekday (2025's 端午 on a Saturday
  was followed by Monday off). One on a Tuesday or Thursday makes a 3-day break with the
  Monday before or the Friday after (2024's 清明 and 中秋, 2026's 元旦). Both customs are
  measured against chinese-calendar's official data by ``tests/test_holiday_estimate.py``.

What cannot be estimated: the 调休 working days (a weekend worked to pay for a bridged or
lengthened break) are decided each year by the State Council, so an estimate treats every
weekend as rest; nor can one-off holidays (2015's victory day) be foreseen. Callers mark every
estimated day provisional.

Lunar dates come from ``borax`` (MIT licence): a pure-computation table of lunar months for
1900-2100 (no I/O, no clock unless one calls ``LunarDate.today``, which this module does not),
so the domain may import it. The solar term is astronomical data the caller looks up, passed in as
the 清明 date.
"""

from __future__ import annotations

from datetime import date, timedelta

from borax.calendars.lunardate import LunarDate

NEW_RULES_FROM = 2025  # the 2024 amendment adds 除夕 and 2 May
FIRST_YEAR, LAST_YEAR = 1900, 2099  # the lunar years the estimate covers
ESTIMATE = " (估计)"
_SAT, _TUE, _THU = 5, 1, 3


def expected_holidays(
    year: int,
    qingming: date,
    *,
    observe_weekends: bool = True,
    bridge: bool = True,
) -> dict[date, str]:
    """The rest days the holidays of ``year`` are expected to give, each with its name.

    Weekend days inside a break are listed too (named), other weekend days are not. A bridge
    before a Tuesday 元旦 reaches into the previous December. ``observe_weekends`` and
    ``bridge`` switch the two customs off, for measuring what each one brings.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"holidays can be estimated for {FIRST_YEAR}-{LAST_YEAR}, not {year}")
    if qingming.year != year or qingming.month != 4:
        raise ValueError(f"清明 {year} falls in April of that year, not on {qingming}")
    rest: dict[date, str] = {}
    new_year = LunarDate(year, 1, 1).to_solar_date()
    spring_days = 8 if year >= NEW_RULES_FROM else 7
    _span(rest, new_year - timedelta(days=1), spring_days, "春节")
    _span(rest, date(year, 5, 1), 5, "劳动节")
    mid_autumn = LunarDate(year, 8, 15).to_solar_date()
    if date(year, 9, 29) <= mid_autumn <= date(year, 10, 7):
        _span(rest, min(mid_autumn, date(year, 10, 1)), 8, "国庆节")
        rest[mid_autumn] = "中秋节"
        single = [(date(year, 1, 1), "元旦"), (qingming, "清明节")]
    else:
        _span(rest, date(year, 10, 1), 7, "国庆节")
        single = [(date(year, 1, 1), "元旦"), (qingming, "清明节"), (mid_autumn, "中秋节")]
    single.append((LunarDate(year, 5, 5).to_solar_date(), "端午节"))
    for day, name in single:
        rest[day] = name
        if observe_weekends and day.weekday() >= _SAT:
            rest[_next_weekday_free(rest, day)] = name
        elif bridge and day.weekday() == _TUE:
            rest.setdefault(day - timedelta(days=1), name)
        elif bridge and day.weekday() == _THU:
            rest.setdefault(day + timedelta(days=1), name)
    return rest


def _span(rest: dict[date, str], start: date, days: int, name: str) -> None:
    for n in range(days):
        rest[start + timedelta(days=n)] = name


def _next_weekday_free(rest: dict[date, str], day: date) -> date:
    """The first weekday after ``day`` that is not already a rest day."""
    current = day + timedelta(days=1)
    while current.weekday() >= _SAT or current in rest:
        current += timedelta(days=1)
    return current
