"""Installment purchases (分期购): plans with their schedule, repayment, overdue, returns, the
merchant's interest-free promotions; through the use cases on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.domain.money import Money
from tests.test_credit_assessment import consumer

T0 = "2026-01-31T10:00:00+08:00"  # 31 January in Beijing


@pytest.fixture(autouse=True)
def no_trained_cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLINE_SCORECARDS", str(tmp_path / "cards"))


def shopper_and_merchant(db: SqlDatabase, limit: str = "20000.00") -> tuple[str, str]:
    """An active installment line of a verified consumer, and a merchant to buy from."""
    creditline.set_clock(db, T0)
    con = consumer(db)
    creditline.verify_party(db, con, real_name=True, settlement_account="6222")
    line = creditline.open_line(db, con, product="installment", limit=limit, key="open").body
    creditline.activate_line(db, line["id"])
    shop = creditline.add_party(db, kind="merchant", name="得物好店").body["id"]
    return line["id"], shop


def test_a_purchase_in_six_periods_has_an_exact_schedule_and_occupies_quota(
    db: SqlDatabase,
) -> None:
    line, shop = shopper_and_merchant(db)
    plan = creditline.purchase_installment(
        db, line, merchant=shop, order="o-1", amount="1000.00", periods=6, key="p1"
    ).body
    assert plan["status"] == "active"
    dues = [p["due_on"] for p in plan["schedule"]]
    assert dues == [
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
        "2026-06-30",
        "2026-07-31",
    ]
    principal = [p["principal"] for p in plan["schedule"]]
    assert principal == ["166.67"] * 4 + ["166.66"] * 2
    assert plan["balances"]["occupied"] == "1000.00"
    assert plan["fee_total"] == "42.00"
    assert float(plan["apr"]) > 0.08
    shown = creditline.show_installment(db, plan["id"]).body
    assert shown["next_due"] == {"number": 1, "due_on": "2026-02-28", "amount": "173.67"}
    repaid = creditline.repay_installment(db, plan["id"], amount="173.67", key="r1").body
    assert repaid["schedule"][0]["status"] == "paid"
    assert repaid["balances"]["occupied"] == "833.33"
    report = creditline.verify_ledger(db)
    assert report.ok, report.problems


def test_the_line_repay_pays_other_spends_only_never_a_plan(db: SqlDatabase) -> None:
    line, shop = shopper_and_merchant(db)
    plan = creditline.purchase_installment(
        db, line, merchant=shop, order="o-2", amount="600.00", periods=3, key="p2"
    ).body
    held = creditline.authorize(db, line, amount="100.00", purpose="purchase", key="h1").body
    creditline.capture(db, held["id"], amount=None, key="c1")
    refused = creditline.repay(db, line, amount="100.01", key="r0")
    assert refused.refused
    assert refused.body["reasons"][0]["facts"]["owed"] == "100.00"
    paid = creditline.repay(db, line, amount="100.00", key="r1").body
    assert paid["paid"] == {"occupancy": "100.00", "fees": "0.00"}
    after = creditline.show_installment(db, plan["id"]).body
    assert after["owed"] == plan["owed"] == "613.50"
    assert creditline.verify_ledger(db).ok


def test_a_plan_row_changed_behind_the_ledger_is_caught(db: SqlDatabase) -> None:
    line, shop = shopper_and_merchant(db)
    plan = creditline.purchase_installment(
        db, line, merchant=shop, order="o-3", amount="300.00", periods=3, key="p3"
    ).body
    assert creditline.verify_ledger(db).ok
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE installment_periods SET paid_principal = 100 "
                "WHERE plan_id = :p AND number = 1"
            ),
            {"p": plan["id"]},
        )
    report = creditline.verify_ledger(db)
    assert not report.ok
    assert {p["problem"] for p in report.problems} == {"installment_mismatch"}


def test_an_overdue_period_is_charged_dunned_scored_frozen_and_lifted_by_repaying(
    db: SqlDatabase,
) -> None:
    """Bought on 31 January: period 1 falls due 28 February; with 3 grace days it is overdue
    from 4 March. On 12 March it is 9 days overdue: late fees for 4-11 March, dunning at 1, 3
    and 7 days, the credit score lowered once, the line frozen (7 days), and `why` says what
    clears it; repaying that lifts the freeze."""
    line, shop = shopper_and_merchant(db)
    plan = creditline.purchase_installment(
        db, line, merchant=shop, order="o-9", amount="1000.00", periods=6, key="p9"
    ).body
    party = creditline.show_line(db, line).body["party"]
    creditline.set_clock(db, "2026-03-12T10:00:00+08:00")
    creditline.run_due(db)
    again = creditline.run_due(db).body["installments"]
    assert again == []  # nothing twice
    shown = creditline.show_installment(db, plan["id"]).body
    first = shown["schedule"][0]
    owed = Decimal("173.67")  # 166.67 principal + 7.00 fee
    daily = (owed * 100 * Decimal("0.0005")).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert first["late_fee"] == Money(int(daily) * 8).format()
    assert (first["status"], first["days_overdue"]) == ("overdue", 9)
    events = creditline.list_events(db, event_type="installment.dunning", limit=50).body["data"]
    stages = [e["payload"]["stage"] for e in events if e["type"] == "installment.dunning"]
    assert stages == [1, 3, 7]
    assert creditline.show_party(db, party).body["credit_score"] == 680  # 700 - 20, once
    why = creditline.why(db, line, amount="10.00", purpose="purchase").body
    [told] = [r for r in why["reasons"] if r["code"] == "installment_overdue"]
    assert (told["facts"]["plan"], told["facts"]["period"]) == (plan["id"], 1)
    assert told["facts"]["repay_to_lift"] == first["owed"]["total"]
    reviewed = creditline.review_limits(db, party=party).body
    assert "overdue" in reviewed["by_reason"], reviewed  # the limit review sees it
    declined = creditline.authorize(db, line, amount="10.00", purpose="purchase", key="s1")
    assert declined.refused
    assert [r["code"] for r in declined.body["reasons"]] == [r["code"] for r in why["reasons"]]
    paid = creditline.repay_installment(
        db, plan["id"], amount=told["facts"]["repay_to_lift"], key="r9"
    ).body
    assert paid["lifted_freezes"]
    assert creditline.why(db, line, amount="10.00", purpose="purchase").body["ok"]
    assert creditline.verify_ledger(db).ok


def test_the_merchant_pays_its_promotion_s_fee_at_the_split(db: SqlDatabase) -> None:
    line, shop = shopper_and_merchant(db)
    promo = creditline.create_promotion(
        db, shop, name="免息", periods="3,6", starts_on="2026-01-01", ends_on="2026-02-28",
        cap="100.00", key="pr",
    ).body  # fmt: skip
    plan = creditline.purchase_installment(
        db, line, merchant=shop, order="o-p", amount="600.00", periods=3,
        promotion=promo["id"], key="pp",
    ).body  # fmt: skip
    assert (plan["fee_total"], plan["apr"], plan["merchant_fee"]) == ("0.00", "0.0000", "13.50")
    with pytest.raises(creditline.InvalidInput) as over_cap:
        creditline.purchase_installment(
            db, line, merchant=shop, order="o-q", amount="9000.00", periods=6,
            promotion=promo["id"], key="pq",
        )  # fmt: skip
    assert over_cap.value.param == "promotion"
    creditline.return_installment(db, plan["id"], amount="100.00", key="rt")
    creditline.ship_order(db, "o-p")
    creditline.confirm_order(db, "o-p")
    creditline.set_clock(db, "2026-02-02T11:00:00+08:00")  # a Monday, in the split window
    [split] = [s for s in creditline.run_due(db).body["splits"] if s["order"] == "o-p"]
    # The fee on the 500.00 left after the return: 0.75% x 3 periods = 11.25.
    assert split["promotion_fee"] == "11.25"
    assert split["parts"][0] == {"to": "promotion fee 商家贴息", "amount": "11.25"}
    assert split["merchant_balance"] == "488.75"
    funds = creditline.show_funds(db, shop).body
    assert funds["promotion_fees"] == "11.25"
    assert funds["promotion_fee_lines"][0]["order"] == "o-p"
    assert creditline.show_promotion(db, promo["id"]).body["used"] == "11.25"
    assert creditline.verify_ledger(db).ok
