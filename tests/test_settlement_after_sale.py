"""What a merchant trying settlement found, part two: returns after receipt (售后退款) that the
merchant's balance pays or owes as a receivable (应收), receipt confirmed automatically, and a
merchant's money at a glance. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.errors import Refused
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.event_log import list_events
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin as lines
from creditline.service.quota import spending
from creditline.service.settlement import funds, funds_view
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.helpers import active_line


def merchant(db: SqlDatabase, at: str) -> tuple[str, str]:
    clock.set_clock(db, at)
    return active_line(db, limit="500000.00")


def sale(db: SqlDatabase, m: str, order: str, amount: str) -> None:
    orders.add_order(db, m, order_id=order, amount=amount, buyer="b")
    orders.ship_order(db, order)
    orders.confirm_order(db, order)


def event_types(db: SqlDatabase) -> list[str]:
    return [e["type"] for e in list_events(db, limit=1000).body["data"]]


def glance(db: SqlDatabase, m: str) -> dict[str, Any]:
    return funds_view.show_funds(db, m).body


# -- 3. returns after receipt -------------------------------------------------------------------
def test_a_return_five_days_after_receipt_and_the_split_comes_out_of_the_merchant_balance(
    db: SqlDatabase,
) -> None:
    m, _ = merchant(db, "2024-05-06T11:00:00+08:00")
    splits.set_split_rule(db, m, rule="merchant:100")
    sale(db, m, "TB1", "500.00")
    run_due(db)
    clock.advance_clock(db, "5d")
    body = orders.return_order(db, "TB1", amount="200.00").body
    assert (body["state"], body["proceeds"], body["this_return"]) == (
        "confirmed",
        "300.00",
        "200.00",
    )
    assert body["after_sale"] == {
        "order": "TB1",
        "refund": "200.00",
        "from_balance": "200.00",
        "to_receivable": "0.00",
        "merchant_balance": "300.00",
        "receivable": "0.00",
    }
    assert (glance(db, m)["merchant_balance"], glance(db, m)["receivable"]) == ("300.00", "0.00")
    assert "order.after_sale_refund" in event_types(db)
    assert verify_ledger(db).ok


def test_a_refund_the_balance_cannot_cover_is_owed_and_the_next_split_pays_it_first(
    db: SqlDatabase,
) -> None:
    """衣尚坊 sells 1000.00 on Friday 27 September 2024; the split repays 300.00 of quota and
    settles 700.00, of which it withdraws 600.00 on Sunday (a 调休 working day). The buyer
    returns everything: 100.00 comes from the balance, 900.00 is owed, the quota repayment
    stands, and the next sale's split pays the 900.00 before the balance sees a fen."""
    m, line = merchant(db, "2024-09-27T11:00:00+08:00")
    hold = spending.authorize(db, line, amount="300.00", purpose="procurement", key="a", order="PO")
    spending.capture(db, hold.body["id"], amount=None, key="c")
    splits.set_split_rule(db, m, rule="repayment:50,merchant:50")
    sale(db, m, "TB1", "1000.00")
    [first] = run_due(db).body["splits"]
    assert (first["repaid"], first["merchant_balance"]) == ("300.00", "700.00")
    clock.set_clock(db, "2024-09-29T10:00:00+08:00")
    assert not funds.withdraw(db, m, amount="600.00", key="w").refused
    run_due(db)
    whole = orders.return_order(db, "TB1").body
    assert whole["state"] == "returned"
    assert (whole["after_sale"]["from_balance"], whole["after_sale"]["to_receivable"]) == (
        "100.00",
        "900.00",
    )
    shown = glance(db, m)
    assert (shown["merchant_balance"], shown["receivable"]) == ("0.00", "900.00")
    assert lines.show_line(db, line).body["occupied"] == "0.00"  # the repayment stands
    assert verify_ledger(db).ok
    sale(db, m, "TB2", "2000.00")
    [second] = run_due(db).body["splits"]
    assert (second["repaid"], second["receivable_paid"], second["merchant_balance"]) == (
        "0.00",
        "900.00",
        "1100.00",
    )
    shown = glance(db, m)
    assert (shown["merchant_balance"], shown["receivable"]) == ("1100.00", "0.00")
    types = event_types(db)
    assert {"receivable.raised", "receivable.collected"} <= set(types)
    report = verify_ledger(db)
    assert report.ok, report.problems


def test_a_return_after_the_policys_after_sale_days_is_refused_saying_when_they_ended(
    db: SqlDatabase,
) -> None:
    from creditline.service import policy_admin

    m, _ = merchant(db, "2024-05-06T11:00:00+08:00")
    policy_admin.set_policy(db, "after_sale_days", "3", effective="now")
    sale(db, m, "TB1", "100.00")
    clock.advance_clock(db, "3d")
    assert orders.return_order(db, "TB1", amount="10.00").body["proceeds"] == "90.00"
    clock.advance_clock(db, "1m")
    with pytest.raises(Refused) as late:
        orders.return_order(db, "TB1", amount="10.00")
    [reason] = late.value.reasons
    assert (reason.code, reason.facts["days"]) == ("after_sale_closed", 3)
    assert reason.facts["ended_local"] == "2024-05-09 11:00"


# -- 4. automatic confirmation ------------------------------------------------------------------
def test_an_order_the_buyer_never_confirms_is_confirmed_after_10_days_split_and_no_longer_dunned(
    db: SqlDatabase,
) -> None:
    m, line = merchant(db, "2024-05-06T10:30:00+08:00")
    hold = spending.authorize(db, line, amount="100.00", purpose="procurement", key="a", order="PO")
    spending.capture(db, hold.body["id"], amount=None, key="c")
    orders.add_order(db, m, order_id="TB9", amount="100.00")
    orders.ship_order(db, "TB9")
    stages = []
    for wait in ("3d", "4d", "2d"):
        clock.advance_clock(db, wait)
        stages += [d["stage"] for d in run_due(db).body["dunning"]]
    assert stages == ["reminder", "escalated"]
    assert orders.show_order(db, "TB9").body["state"] == "shipped"  # day 9
    clock.advance_clock(db, "1d")  # day 10, Thursday 16 May 10:30: inside the split window
    done = run_due(db).body
    assert [o["id"] for o in done["auto_confirmed"]] == ["TB9"]
    assert [s["order"] for s in done["splits"]] == ["TB9"]
    shown = orders.show_order(db, "TB9").body
    assert (shown["state"], shown["auto_confirmed"], shown["split_done"]) == (
        "confirmed",
        True,
        True,
    )
    assert lines.show_line(db, line).body["occupied"] == "0.00"
    clock.advance_clock(db, "6d")  # day 16: past the legal flag, which no longer comes
    assert run_due(db).body["dunning"] == []
    assert orders.show_order(db, "TB9").body["dunning"] == "escalated"
    types = event_types(db)
    assert "order.auto_confirmed" in types
    assert "dunning.escalated" in types
    assert "dunning.legal" not in types
    assert verify_ledger(db).ok


# -- 5. a merchant's money at a glance ----------------------------------------------------------
def test_yishangfang_sees_balance_escrow_withdrawals_compensation_and_what_matures_when(
    db: SqlDatabase,
) -> None:
    m, _ = merchant(db, "2024-09-27T11:00:00+08:00")
    core = splits.add_supplier(db, m, name="杭州织造", tier="core", account="S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:60,merchant:40")
    sale(db, m, "TB1", "1000.00")
    funds.fail_payouts(db, count=3, error="insufficient_balance")
    run_due(db)
    for wait in ("10m", "30m"):
        clock.advance_clock(db, wait)
        run_due(db)
    friday = glance(db, m)
    assert friday["maturing"] == [
        {"available_on": "2024-09-29", "amount": "900.00", "provisional": False}
    ]
    assert (friday["merchant_balance"], friday["withdrawable_now"]) == ("900.00", "0.00")
    assert (friday["supplier_payable"], friday["compensation_received"]) == ("600.00", "500.00")
    clock.set_clock(db, "2024-09-29T10:00:00+08:00")
    sale(db, m, "TB2", "500.00")
    run_due(db)  # splits TB2 (200.00 settles, withdrawable on 30 September), pays both suppliers
    assert not funds.withdraw(db, m, amount="300.00", key="w").refused
    clock.set_clock(db, "2024-09-29T17:00:00+08:00")
    sale(db, m, "TB3", "50.00")  # after the window: waits in escrow
    assert glance(db, m) | {"at": None} == {
        "merchant": m,
        "currency": "CNY",
        "at": None,
        "merchant_balance": "800.00",
        "withdrawable_now": "600.00",
        "escrow": "50.00",
        "withdrawals_on_their_way": "300.00",
        "receivable": "0.00",
        "compensation_received": "500.00",
        "supplier_payable": "0.00",
        "promotion_fees": "0.00",  # 商家贴息: none, it runs no interest-free promotion
        "promotion_fee_lines": [],
        "maturing": [{"available_on": "2024-09-30", "amount": "200.00", "provisional": False}],
    }
