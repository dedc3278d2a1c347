"""Repaying what a line owes: occupancy oldest first, then late fees (滞纳金), in one payment."""

from __future__ import annotations

from creditline.adapters.db.database import SqlDatabase
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin as lines
from creditline.service.quota import spending
from tests.helpers import active_line, js


def occupy(db: SqlDatabase, line: str, amount: str, order: str) -> None:
    hold = spending.authorize(
        db, line, amount=amount, purpose="procurement", key=f"a-{order}", order=order
    )
    spending.capture(db, hold.body["id"], amount=None, key=f"c-{order}")


def test_xiaowang_pays_100150_for_100000_occupied_and_150_of_late_fees(
    db: SqlDatabase, db_url: str
) -> None:
    """小王's order TB1 (100,000.00) ran 3 days past the 30-day limit: 150.00 of late fees.
    He repays 100,150.00 at once and is told what paid what: TB1, then the fees."""
    _, line = active_line(db, "小王", limit="500000.00")
    occupy(db, line, "100000.00", "TB1")
    clock.advance_clock(db, "34d")
    run_due(db)
    shown = lines.show_line(db, line).body
    assert (shown["occupied"], shown["fees_due"]) == ("100000.00", "150.00")

    over = js(db_url, "repay", line, "--amount", "100150.01", "--key", "r0", check=3)
    [told] = over["reasons"]
    assert told["code"] == over["error"]["code"] == "repayment_exceeds_owed"
    assert told["facts"] == {
        "amount": "100150.01",
        "owed": "100150.00",
        "occupied": "100000.00",
        "fees_due": "150.00",
    }
    assert "100150.00" in told["message_en"]
    assert "100150.00" in told["message_zh"]

    paid = js(db_url, "repay", line, "--amount", "100150.00", "--key", "r1")
    assert [(a["order"], a["amount"]) for a in paid["allocations"]] == [("TB1", "100000.00")]
    assert paid["paid"] == {"occupancy": "100000.00", "fees": "150.00"}
    assert (paid["balances"]["occupied"], paid["balances"]["fees_due"]) == ("0.00", "0.00")
    assert paid["lifted_freezes"]  # the over-long-occupancy freeze went with TB1
    assert verify_ledger(db).ok


def test_a_repayment_pays_the_oldest_order_first_and_late_fees_last(db: SqlDatabase) -> None:
    _, line = active_line(db, "衣尚坊", limit="500000.00")
    occupy(db, line, "100000.00", "TB1")
    clock.advance_clock(db, "20d")
    occupy(db, line, "20000.00", "TB2")
    clock.advance_clock(db, "14d")  # TB1 is 34 days old: 3 days of fees; TB2 is 14
    run_due(db)
    part = spending.repay(db, line, amount="110000.00", key="r1").body
    assert [(a["order"], a["amount"]) for a in part["allocations"]] == [
        ("TB1", "100000.00"),
        ("TB2", "10000.00"),
    ]
    assert part["paid"] == {"occupancy": "110000.00", "fees": "0.00"}
    rest = spending.repay(db, line, amount="10150.00", key="r2").body
    assert [(a["order"], a["amount"]) for a in rest["allocations"]] == [("TB2", "10000.00")]
    assert rest["paid"] == {"occupancy": "10000.00", "fees": "150.00"}
    # Nothing is owed now: even a fen is more than that.
    none_left = spending.repay(db, line, amount="0.01", key="r3")
    assert none_left.refused
    assert none_left.body["reasons"][0]["facts"]["owed"] == "0.00"
    assert verify_ledger(db).ok
