"""The daily quota monitor (额度监控表): for each of a line's last days, the available quota
at the end of the day against the holder's average monthly flow as the alerts measure it
(R21, ``alert_rules.measure_flow``: settled sales of the 90 days before that moment, / 3),
the yellow (50%) and red (30%) lines and the day's level, and the seed's advice to keep 20%
of the monthly flow in reserve: the reserve and whether today's available quota covers it.

A past day's available quota is the book's ``available`` balance at the end of that day (what
holds, occupancy and the amount freezes' sweeps left); today's is as of now."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from creditline.domain.money import Money
from creditline.domain.quota.alert_rules import FLOW_MONTHS, FLOW_WINDOW, measure_flow
from creditline.domain.quota.quota_views import (
    RED_PERCENT,
    RESERVE_PERCENT,
    YELLOW_PERCENT,
    covers_reserve,
    day_level,
    day_range,
    flow_share,
)
from creditline.domain.workdays import SHANGHAI, iso_local, local_date
from creditline.service.idempotency import Answer
from creditline.service.quota.history import check_days, daily_balances
from creditline.service.uow import Database


def quota_monitor(db: Database, line_id: str, *, days: int = 30) -> Answer:
    """The line's last ``days`` Beijing days (1-366, today as of now), oldest first: available
    quota, the monthly flow, the yellow and red lines, the reserve, the percentage of the
    flow available and the level (green, yellow, red; ``none`` without settled sales); and
    today's figures with whether the available quota covers the reserve."""
    check_days(days)
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        line = uow.lines.read_line(line_id)
        party_id = line.state.party_id
        window = day_range(local_date(now), days)
        balances = daily_balances(uow, line_id, window)
        rows: list[dict[str, Any]] = []
        for day, b in zip(window, balances, strict=True):
            midnight = datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)
            end = min(midnight.astimezone(UTC), now)
            sales = uow.alerts.settled_sales(party_id, end - FLOW_WINDOW, end)
            rows.append(_row(day.isoformat(), end, b.available, sales))
    today = rows[-1]
    return Answer(
        {
            "line": line_id,
            "party": party_id,
            "currency": line.state.currency,
            "as_of": iso_local(now),
            "flow_months": FLOW_MONTHS,
            "flow_window_days": FLOW_WINDOW.days,
            "yellow_percent": YELLOW_PERCENT,
            "red_percent": RED_PERCENT,
            "reserve_percent": RESERVE_PERCENT,
            "today": today,
            "days": rows,
        }
    )


def _row(day: str, end: datetime, free: Money, sales: Money | None) -> dict[str, Any]:
    measured = measure_flow(free, sales)
    row: dict[str, Any] = {
        "date": day,
        "measured_at": iso_local(end),
        "available": free.format(),
        "settled_sales": None,
        "monthly_flow": None,
        "yellow_line": None,
        "red_line": None,
        "reserve": None,
        "available_percent": None,
        "covers_reserve": None,
        "level": day_level(measured),
    }
    if measured is not None:
        row |= {
            "settled_sales": measured.settled_sales.format(),
            "monthly_flow": measured.monthly_flow.format(),
            "yellow_line": flow_share(measured.settled_sales, YELLOW_PERCENT).format(),
            "red_line": flow_share(measured.settled_sales, RED_PERCENT).format(),
            "reserve": flow_share(measured.settled_sales, RESERVE_PERCENT).format(),
            "available_percent": measured.available_percent,
            "covers_reserve": covers_reserve(free, measured.settled_sales),
        }
    return row
