"""The holder's quota views (issue 14, part A) as use cases, CLI commands and API routes, on
SQLite and PostgreSQL: a line's exposure by order with the days left before the occupancy
limit (agreeing with the diagnosis), its end-of-day history with freezes, and the daily quota
monitor against the monthly flow (agreeing with the alert job); and their pure rules."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from typer.testing import CliRunner

import creditline
from creditline import InvalidInput, Money
from creditline.adapters.db.database import SqlDatabase
from creditline.domain.quota.alert_rules import AlertLevel, measure_flow
from creditline.domain.quota.quota_views import (
    covers_reserve,
    day_level,
    day_range,
    flow_share,
    freeze_days,
    occupancy_clock,
)
from creditline.entrypoints.cli.main import app as cli
from tests.api_helpers import make_world
from tests.helpers import active_line

FRIDAY = "2024-09-27T11:00:00+08:00"  # a working day, inside the split window
T0 = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)


def _spend(db: SqlDatabase, line: str, amount: str, order: str, *, capture: bool = True) -> str:
    hold = creditline.authorize(
        db, line, amount=amount, purpose="procurement", key=f"a-{order}", order=order
    ).body
    assert hold["status"] == "authorized", hold
    if capture:
        creditline.capture(db, hold["id"], amount=None, key=f"c-{order}")
    return str(hold["id"])


def _sale(db: SqlDatabase, merchant: str, order: str, amount: str) -> None:
    creditline.add_order(db, merchant, order_id=order, amount=amount, buyer="b")
    creditline.ship_order(db, order)
    creditline.confirm_order(db, order)


# -- the pure rules ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("age", "days_left", "overdue", "urgent"),
    [
        (timedelta(days=26, hours=23), 4, False, False),
        (timedelta(days=27), 3, False, True),
        (timedelta(days=30), 0, False, True),  # at the limit, not over it yet
        (timedelta(days=30, seconds=1), 0, True, True),
        (timedelta(days=33), -3, True, True),
    ],
)
def test_the_occupancy_clock_counts_whole_days_to_the_limit(
    age: timedelta, days_left: int, overdue: bool, urgent: bool
) -> None:
    clock = occupancy_clock(T0, T0 + age, 30)
    assert (clock.days_left, clock.overdue, clock.urgent) == (days_left, overdue, urgent)
    assert clock.age_days == age.days
    assert clock.due_at == T0 + timedelta(days=30)


def test_freeze_days_are_clipped_to_the_window_and_a_lift_before_the_start_is_none() -> None:
    first, last = date(2024, 5, 1), date(2024, 5, 10)
    start = datetime(2024, 4, 20, 2, tzinfo=UTC)
    assert freeze_days(start, None, first, last) == (first, last)
    assert freeze_days(start, datetime(2024, 5, 3, 17, tzinfo=UTC), first, last) == (
        first,
        date(2024, 5, 4),  # 17:00 UTC is 01:00 the next day in Beijing
    )
    assert freeze_days(start, datetime(2024, 4, 25, tzinfo=UTC), first, last) is None
    assert freeze_days(start, start, first, last) is None
    assert day_range(date(2024, 5, 2), 3) == [date(2024, 4, 30), date(2024, 5, 1), date(2024, 5, 2)]


def test_the_monitor_lines_are_the_alert_rules_flow() -> None:
    sales = Money.parse("30000.00")  # a monthly flow of 10,000.00
    assert flow_share(sales, 50) == Money.parse("5000.00")
    assert flow_share(sales, 30) == Money.parse("3000.00")
    assert flow_share(sales, 20) == Money.parse("2000.00")
    assert flow_share(Money(100), 50) == Money(17)  # 16.67 fen, half up
    assert covers_reserve(Money.parse("2000.00"), sales)
    assert not covers_reserve(Money.parse("1999.99"), sales)
    yellow = measure_flow(Money.parse("4999.99"), sales)
    assert yellow is not None
    assert yellow.level is AlertLevel.YELLOW
    assert (yellow.available_percent, yellow.threshold_percent) == (49, 50)
    green = measure_flow(Money.parse("5000.00"), sales)
    assert green is not None
    assert green.level is None
    assert [day_level(m) for m in (None, green, yellow)] == ["none", "green", "yellow"]
    red = measure_flow(Money.parse("2999.99"), sales)
    assert red is not None
    assert day_level(red) == "red"
    assert measure_flow(Money.parse("1.00"), None) is None
    assert measure_flow(Money.parse("1.00"), Money.parse("1.00", "HKD")) is None


# -- the use cases -------------------------------------------------------------------------------
def test_exposure_lists_holds_and_occupancy_nearest_to_the_limit_first_and_agrees_with_why(
    db: SqlDatabase,
) -> None:
    _, line = active_line(db, limit="10000.00")
    _spend(db, line, "3000.00", "PO1")
    creditline.advance_clock(db, "2d")
    _spend(db, line, "1000.00", "PO2")
    creditline.advance_clock(db, "26d")
    hold = _spend(db, line, "500.00", "PO3", capture=False)
    body = creditline.line_exposure(db, line).body
    assert (body["held"], body["occupied"], body["used"]) == ("500.00", "4000.00", "4500.00")
    assert body["limit_days"] == 30
    got = [(o["order"], o["amount"], o["age_days"], o["days_left"]) for o in body["occupancy"]]
    assert got == [("PO1", "3000.00", 28, 2), ("PO2", "1000.00", 26, 4)]
    assert [o["urgent"] for o in body["occupancy"]] == [True, False]
    assert body["occupancy"][0]["due_at"] == "2024-05-31T10:00:00+08:00"
    assert body["holds"] == [
        {
            "hold": hold,
            "order": "PO3",
            "amount": "500.00",
            "since": "2024-05-29T10:00:00+08:00",
            "age_days": 0,
            "expires_at": "2024-06-05T10:00:00+08:00",
        }
    ]
    assert not any(o["overdue"] for o in body["occupancy"])
    creditline.advance_clock(db, "2d1s")
    overdue = creditline.line_exposure(db, line).body["occupancy"]
    assert [(o["order"], o["overdue"]) for o in overdue] == [("PO1", True), ("PO2", False)]
    why = creditline.why(db, line, amount="1.00", purpose="procurement").body
    facts = next(r for r in why["reasons"] if r["code"] == "occupancy_overdue")["facts"]
    assert [o["order"] for o in facts["orders"]] == ["PO1"]


def test_history_replays_end_of_day_balances_and_marks_freezes(db: SqlDatabase) -> None:
    _, line = active_line(db, limit="10000.00")
    _spend(db, line, "3000.00", "PO1")
    creditline.advance_clock(db, "1d")
    frozen = creditline.add_freeze(db, line, reason="risk", note="核查", key="f1").body
    creditline.advance_clock(db, "1d")
    creditline.lift_freeze(db, frozen["id"], note="ok", key="l1")
    creditline.repay(db, line, amount="1000.00", key="r1")
    body = creditline.quota_history(db, line, days=4).body
    assert (body["from"], body["to"]) == ("2024-04-30", "2024-05-03")
    rows = [
        (d["date"], d["limit"], d["used"], d["available"], d["line_frozen"]) for d in body["days"]
    ]
    assert rows == [
        ("2024-04-30", "0.00", "0.00", "0.00", False),  # before the line was granted
        ("2024-05-01", "10000.00", "3000.00", "7000.00", False),
        ("2024-05-02", "10000.00", "3000.00", "7000.00", True),
        ("2024-05-03", "10000.00", "2000.00", "8000.00", True),  # lifted on the day
    ]
    (freeze,) = body["freezes"]
    assert (freeze["id"], freeze["scope"], freeze["first_day"], freeze["last_day"]) == (
        frozen["id"],
        "line",
        "2024-05-02",
        "2024-05-03",
    )
    assert freeze["ended_at"] == "2024-05-03T10:00:00+08:00"
    assert creditline.quota_history(db, line, days=1).body["days"][0]["freezes"] == [frozen["id"]]
    for bad in (0, 367):
        with pytest.raises(InvalidInput) as caught:
            creditline.quota_history(db, line, days=bad)
        assert caught.value.param == "days"


def test_the_monitor_measures_each_day_against_the_flow_as_the_alerts_do(db: SqlDatabase) -> None:
    """衣尚坊 settled 36,000.00 and refunded 6,000.00 after sale: a flow of 10,000.00 a month."""
    creditline.set_clock(db, FRIDAY)
    merchant, line = active_line(db, limit="10000.00")
    _sale(db, merchant, "TB1", "36000.00")
    creditline.run_due(db)
    creditline.return_order(db, "TB1", amount="6000.00")
    _spend(db, line, "6000.00", "PO1")  # 4,000.00 available: 40%, yellow
    body = creditline.quota_monitor(db, line, days=3).body
    days = [(d["date"], d["available"], d["level"]) for d in body["days"]]
    assert days[:2] == [("2024-09-25", "0.00", "none"), ("2024-09-26", "0.00", "none")]
    today = body["today"]
    assert (today["monthly_flow"], today["yellow_line"], today["red_line"]) == (
        "10000.00",
        "5000.00",
        "3000.00",
    )
    assert (today["reserve"], today["covers_reserve"], today["level"]) == (
        "2000.00",
        True,
        "yellow",
    )
    assert today["available_percent"] == 40
    creditline.refresh_alerts(db, line_id=line)
    alert = creditline.line_alerts(db, line).body["data"][0]
    assert (alert["kind"], alert["level"]) == ("quota_low", today["level"])
    assert alert["detail"]["monthly_flow"] == today["monthly_flow"]
    _spend(db, line, "2500.00", "PO2")  # 1,500.00: red, below the reserve
    today = creditline.quota_monitor(db, line, days=1).body["today"]
    assert (today["level"], today["covers_reserve"]) == ("red", False)
    with pytest.raises(InvalidInput):
        creditline.quota_monitor(db, line, days=400)


# -- the CLI and the API -------------------------------------------------------------------------
def _cli(db: SqlDatabase, *args: str) -> tuple[int, str]:
    url = db.engine.url.render_as_string(hide_password=False)
    done = CliRunner().invoke(cli, ["--db", url, *args])
    return done.exit_code, done.output


def test_the_cli_commands_answer_json_and_tables_and_write_the_monitor(
    db: SqlDatabase, tmp_path: Path
) -> None:
    _, line = active_line(db, limit="10000.00")
    _spend(db, line, "3000.00", "PO1")
    code, out = _cli(db, "line", "exposure", line, "--json")
    assert code == 0, out
    assert json.loads(out)["occupancy"][0]["order"] == "PO1"
    code, out = _cli(db, "line", "exposure", line)
    assert code == 0
    assert "PO1" in out
    assert "30" in out
    code, out = _cli(db, "line", "history", line, "--days", "2", "--json")
    assert code == 0, out
    assert [d["used"] for d in json.loads(out)["days"]] == ["0.00", "3000.00"]
    code, out = _cli(db, "line", "history", line, "--days", "2")
    assert code == 0
    assert "2024-05-01" in out
    target = tmp_path / "monitor.xlsx"
    code, out = _cli(db, "line", "monitor", line, "--days", "2", "--xlsx", str(target))
    assert code == 0, out
    assert "2024-05-01" in out
    sheet = load_workbook(io.BytesIO(target.read_bytes())).active
    assert sheet["A2"].value == "日期"
    assert [sheet.cell(r, 1).value for r in (3, 4)] == ["2024-04-30", "2024-05-01"]
    code, out = _cli(db, "line", "monitor", line, "--days", "0")
    assert code == 2
    missing = str(tmp_path / "no" / "x.xlsx")
    code, out = _cli(db, "line", "monitor", line, "--xlsx", missing, "--json")
    assert code == 2
    assert json.loads(out)["error"]["param"] == "xlsx"


def test_the_api_routes_answer_in_minor_units_and_only_to_the_owner(db: SqlDatabase) -> None:
    w = make_world(db)
    line = w.lines["alice"]
    _spend(db, line, "3000.00", "PO1")
    exposure = w.get("alice", f"/v1/lines/{line}/exposure")
    assert exposure.status_code == 200
    body = exposure.json()
    assert (body["used"], body["occupancy"][0]["amount"]) == (300000, 300000)
    history = w.get("alice", f"/v1/lines/{line}/history?days=2").json()
    assert [d["available"] for d in history["days"]] == [0, 9_700_000]
    monitor = w.get("ops", f"/v1/lines/{line}/monitor?days=3").json()  # operators read any
    assert len(monitor["days"]) == 3
    assert monitor["today"]["level"] == "none"
    assert w.get("alice", f"/v1/lines/{line}/history?days=0").status_code == 400
    assert w.get("alice", f"/v1/lines/{line}/monitor?days=367").status_code == 400
    for path in ("exposure", "history", "monitor"):
        assert w.get("bob", f"/v1/lines/{line}/{path}").status_code == 404
        assert w.get(None, f"/v1/lines/{line}/{path}").status_code == 401
