"""Alerts (预警, R21): quota low against the holder's monthly settled sales, over-long
occupancy, freezes, failed split payouts and late fees; each opens once, moves its level and
closes when its cause clears, as events and in the line's view. On SQLite and PostgreSQL, on
the fakes, and the rule itself on plain values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.domain.ledger import LINE_BOOK, Balances
from creditline.domain.money import Money
from creditline.domain.policy import PolicyChange, policy_at, seed_changes
from creditline.domain.quota.alert_rules import AlertKind, AlertLevel, alert_messages, due_alerts
from creditline.domain.quota.evaluation import SpendContext
from creditline.domain.quota.freezes import Freeze, FreezeReason
from creditline.domain.quota.lines import LineState, LineStatus, Occupancy
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product, Purpose
from creditline.domain.settlement.payouts import Payout, PayoutKind, PayoutStatus
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.quota import freeze_admin, spending
from creditline.service.quota import line_admin as lines
from creditline.service.quota import why as diagnosis
from creditline.service.quota.alerts import line_alerts, refresh_alerts
from creditline.service.settlement import funds
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.fakes import FakeDatabase
from tests.helpers import active_line

FRIDAY = "2024-09-27T11:00:00+08:00"  # a working day, inside the split window
NOW = datetime(2024, 9, 27, 3, 0, tzinfo=UTC)


def _events(db: object, kind: str) -> list[dict[str, object]]:
    return creditline.list_events(db, event_type=kind, limit=1000).body["data"]


def _open(db: object, line: str) -> dict[str, str]:
    return {a["kind"]: a["level"] for a in line_alerts(db, line).body["data"]}


def _spend(db: object, line: str, amount: str, order: str) -> None:
    hold = spending.authorize(
        db, line, amount=amount, purpose="procurement", key=f"a-{order}", order=order
    )
    assert hold.body["status"] == "authorized", hold.body
    spending.capture(db, hold.body["id"], amount=None, key=f"c-{order}")


def _sale(db: object, merchant: str, order: str, amount: str) -> None:
    orders.add_order(db, merchant, order_id=order, amount=amount, buyer="b")
    orders.ship_order(db, order)
    orders.confirm_order(db, order)


# -- the rule on plain values -------------------------------------------------------------------
def _ctx(
    *,
    available: int,
    occupied: int = 0,
    fees_due: int = 0,
    freezes: tuple[Freeze, ...] = (),
    occupancies: tuple[Occupancy, ...] = (),
    status: LineStatus = LineStatus.ACTIVE,
) -> SpendContext:
    limit = available + occupied
    # LINE_BOOK order: available, held, occupied, frozen, platform_limit, fees_due, ...
    balances = Balances.from_minor(
        LINE_BOOK, "CNY", [available, 0, occupied, 0, limit, fees_due, fees_due, 0]
    )
    line = LineState("line_1", "pty_1", PartyKind.MERCHANT, Product.MERCHANT_BNPL, status, balances)
    changes = [PolicyChange(v, *row) for v, row in enumerate(seed_changes(), 1)]
    return SpendContext(
        line=line,
        amount=Money.zero(),
        purpose=Purpose.PROCUREMENT,
        now=NOW,
        policy=policy_at(changes, NOW),
        freezes=freezes,
        occupancies=occupancies,
    )


@pytest.mark.parametrize(
    ("available", "level"),
    [(500_000, None), (499_999, "yellow"), (300_000, "yellow"), (299_999, "red"), (0, "red")],
)
def test_quota_low_is_yellow_below_half_and_red_below_30_percent_of_the_monthly_flow(
    available: int, level: str | None
) -> None:
    """Sales of 30,000.00 in three months are a flow of 10,000.00 a month: 5,000.00 available
    is half of it (no alert), a fen less is yellow; below 3,000.00 red."""
    found = due_alerts(
        _ctx(available=available), settled_sales=Money(3_000_000), failing_payouts=()
    )
    got = found.get(AlertKind.QUOTA_LOW)
    assert (got.level.value if got else None) == level
    if got is not None:
        assert got.detail["monthly_flow"] == "10000.00"
        zh, en = alert_messages(got.kind, got.detail)
        assert "10000.00" in zh
        assert f"below {got.detail['threshold_percent']}%" in en


def test_no_settled_sales_no_flow_alert_and_a_closed_line_has_none() -> None:
    assert due_alerts(_ctx(available=0), settled_sales=None, failing_payouts=()) == {}
    closed = _ctx(available=0, fees_due=100, status=LineStatus.CLOSED)
    assert due_alerts(closed, settled_sales=Money(100), failing_payouts=()) == {}


def test_the_other_causes_on_plain_values() -> None:
    start = NOW - timedelta(days=40)
    amount_freeze = Freeze("frz_1", "line_1", FreezeReason.DISPUTE, start, None, Money(100))
    temporary = Freeze("frz_2", "line_1", FreezeReason.RISK, start, NOW + timedelta(hours=1))
    lasting = Freeze("frz_3", "line_1", FreezeReason.OPERATOR, start, None)
    old = Occupancy("occ_1", "hold_1", "TB1", Money(300_00), start)
    payout = Payout(
        "po_1", "pty_1", PayoutKind.SUPPLIER, "6222", Money(600_00), PayoutStatus.PENDING, NOW
    )
    found = due_alerts(
        _ctx(
            available=1000,
            occupied=300_00,
            fees_due=45,
            freezes=(amount_freeze, temporary),
            occupancies=(old,),
        ),
        settled_sales=None,
        failing_payouts=[payout, replace(payout, id="po_2", failures_in_row=2)],
    )
    levels = {k.value: a.level.value for k, a in found.items()}
    assert levels == {
        "occupancy_overdue": "red",
        "freeze": "yellow",  # an amount freeze and a temporary one: both end or leave quota
        "split_failed": "yellow",
        "late_fees": "yellow",
    }
    assert found[AlertKind.OCCUPANCY_OVERDUE].detail["orders"][0]["order"] == "TB1"
    assert found[AlertKind.SPLIT_FAILED].detail["count"] == 1  # never failed: not failing
    lasted = due_alerts(
        _ctx(available=1000, freezes=(amount_freeze, lasting)),
        settled_sales=None,
        failing_payouts=[replace(payout, failures_in_row=3)],
    )
    assert lasted[AlertKind.FREEZE].level is AlertLevel.RED
    assert lasted[AlertKind.SPLIT_FAILED].level is AlertLevel.RED
    assert alert_messages("freeze", lasted[AlertKind.FREEZE].detail)[1].startswith("2 freeze")
    assert alert_messages("gone_kind", {}) == ("gone_kind", "gone_kind")


# -- on SQLite and PostgreSQL -------------------------------------------------------------------
def test_quota_low_opens_once_turns_red_and_closes_when_repaid(db: SqlDatabase) -> None:
    """衣尚坊 settled 36,000.00 of sales and refunded 6,000.00 after sale: a flow of 10,000.00 a
    month against a 10,000.00 line."""
    clock.set_clock(db, FRIDAY)
    m, line = active_line(db, limit="10000.00")
    _sale(db, m, "TB1", "36000.00")
    assert run_due(db).body["alerts"]["opened"] == 0  # split now; all 10,000.00 available
    orders.return_order(db, "TB1", amount="6000.00")
    _spend(db, line, "6000.00", "PO1")  # 4,000.00 left: 40%
    assert refresh_alerts(db).body == {
        "lines": 1,
        "opened": 1,
        "updated": 0,
        "refreshed": 0,
        "closed": 0,
    }
    alert = line_alerts(db, line).body["data"][0]
    assert (alert["object"], alert["kind"], alert["level"]) == ("alert", "quota_low", "yellow")
    assert alert["id"].startswith("alrt_")
    assert alert["detail"]["settled_sales"] == "30000.00"
    assert alert["detail"]["available_percent"] == 40
    assert "4000.00" in alert["message_zh"]
    assert lines.show_line(db, line).body["alerts"] == [
        {k: alert[k] for k in ("kind", "level", "opened_at", "message_zh", "message_en")}
    ]
    seen = len(creditline.list_events(db, limit=1000).body["data"])
    assert run_due(db).body["alerts"]["opened"] == 0  # opened once: nothing new, no event
    assert len(creditline.list_events(db, limit=1000).body["data"]) == seen
    _spend(db, line, "1500.00", "PO2")  # 2,500.00 left: 25%
    assert refresh_alerts(db, line_id=line).body["updated"] == 1
    updated = _events(db, "alert.updated")
    assert [(e["payload"]["level"], e["payload"]["previous_level"]) for e in updated] == [
        ("red", "yellow")
    ]
    spending.repay(db, line, amount="7500.00", key="r1")
    assert refresh_alerts(db).body["closed"] == 1
    assert _open(db, line) == {}
    assert lines.show_line(db, line).body["alerts"] == []
    history = line_alerts(db, line, include_closed=True).body["data"]
    assert [(a["id"], a["level"]) for a in history] == [(alert["id"], "red")]
    assert history[0]["closed_at"] is not None
    for kind in ("alert.opened", "alert.updated", "alert.closed"):
        assert [e["payload"]["id"] for e in _events(db, kind)] == [alert["id"]]
        assert [e["line"] for e in _events(db, kind)] == [line]


def test_a_freeze_opens_an_alert_whose_level_follows_the_freezes_and_lifting_closes_it(
    db: SqlDatabase,
) -> None:
    _, line = active_line(db)
    part = freeze_admin.add_freeze(db, line, reason="dispute", amount="50.00", key="f1").body
    refresh_alerts(db)
    assert _open(db, line) == {"freeze": "yellow"}
    whole = freeze_admin.add_freeze(db, line, reason="operator", key="f2").body
    refresh_alerts(db)
    assert _open(db, line) == {"freeze": "red"}
    freeze_admin.lift_freeze(db, whole["id"], note="核实无误", key="l2")
    refresh_alerts(db)
    assert _open(db, line) == {"freeze": "yellow"}
    freeze_admin.lift_freeze(db, part["id"], note="纠纷已解决", key="l1")
    assert refresh_alerts(db).body["closed"] == 1
    assert _open(db, line) == {}
    levels = [e["payload"]["level"] for e in _events(db, "alert.updated")]
    assert levels == ["red", "yellow"]
    assert len(_events(db, "alert.opened")) == len(_events(db, "alert.closed")) == 1


def test_overdue_occupancy_raises_alerts_that_agree_with_why_and_clear_on_repayment(
    db: SqlDatabase,
) -> None:
    _, line = active_line(db)
    _spend(db, line, "3000.00", "TB001")
    clock.advance_clock(db, "33d")  # 06-01 is the first whole day overdue: two days of fees
    run_due(db)
    alerts = {a["kind"]: a for a in line_alerts(db, line).body["data"]}
    assert {k: a["level"] for k, a in alerts.items()} == {
        "occupancy_overdue": "red",
        "freeze": "red",  # run-due froze the line for it
        "late_fees": "yellow",
    }
    why = diagnosis.why(db, line, amount="1.00", purpose="procurement").body
    reason = next(r for r in why["reasons"] if r["code"] == "occupancy_overdue")
    assert alerts["occupancy_overdue"]["message_zh"] == reason["message_zh"]
    assert alerts["occupancy_overdue"]["detail"]["orders"] == reason["facts"]["orders"]
    owed = lines.show_line(db, line).body
    total = Money.parse(owed["occupied"]) + Money.parse(owed["fees_due"])
    spending.repay(db, line, amount=total.format(), key="r1")
    assert run_due(db).body["alerts"]["closed"] == 3
    assert _open(db, line) == {}


def test_a_failing_split_payout_is_yellow_then_red_and_closes_when_paid(db: SqlDatabase) -> None:
    clock.set_clock(db, FRIDAY)
    m, line = active_line(db)
    core = splits.add_supplier(db, m, name="杭州织造", tier="core", account="6222-S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:60,repayment:30,merchant:10")
    _sale(db, m, "TB1", "10000.00")
    funds.fail_payouts(db, count=3, error="insufficient_balance")
    run_due(db)
    assert _open(db, line) == {"split_failed": "yellow"}
    for wait in ("10m", "30m"):
        clock.advance_clock(db, wait)
        run_due(db)
    alert = line_alerts(db, line).body["data"][0]
    assert (alert["level"], alert["detail"]["max_failures"]) == ("red", 3)
    clock.set_clock(db, "2024-09-29T10:00:00+08:00")  # the next window: paid
    assert run_due(db).body["alerts"]["closed"] == 1
    assert _open(db, line) == {}


def test_bad_input_is_refused(db: SqlDatabase) -> None:
    _, line = active_line(db)
    with pytest.raises(creditline.InvalidInput):
        line_alerts(db, line, limit=0)
    with pytest.raises(creditline.InvalidInput):
        refresh_alerts(db, batch=0)
    with pytest.raises(creditline.NotFound):
        line_alerts(db, "line_nope")
    with pytest.raises(creditline.NotFound):
        refresh_alerts(db, line_id="line_nope")


# -- on the fakes ---------------------------------------------------------------------------------
def test_on_the_fakes_alerts_page_through_every_line_and_close_on_a_closed_line() -> None:
    db = FakeDatabase()
    made = [active_line(db, f"商家{i}")[1] for i in range(3)]
    for i, line in enumerate(made):
        freeze_admin.add_freeze(db, line, reason="operator", key=f"f{i}")
    assert refresh_alerts(db, batch=2).body["opened"] == 3
    assert refresh_alerts(db, batch=2).body == {
        "lines": 3,
        "opened": 0,
        "updated": 0,
        "refreshed": 0,
        "closed": 0,
    }
    with db.transaction() as uow:
        uow.lines.set_line_status(made[0], LineStatus.CLOSED, uow.reference.now())
    assert refresh_alerts(db).body["closed"] == 1
    with db.transaction() as uow:
        assert uow.alerts.lines_to_watch("", 10) == sorted(made[1:])
    assert [e["line"] for e in _events(db, "alert.closed")] == [made[0]]
