"""Installment purchases (分期购): plans with their schedule, repayment, overdue, returns, the
merchant's interest-free promotions; through the use cases on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

import creditline
from creditline.adapters.db.database import SqlDatabase
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
