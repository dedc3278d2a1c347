"""Occupancy (占用) at the policy limit, and late fees (滞纳金) rounded half up to the fen, on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin as lines
from creditline.service.quota import spending
from creditline.service.quota import why as diagnosis
from tests.helpers import active_line


def _occupy(db: SqlDatabase, line: str, amount: str, order: str) -> None:
    hold = spending.authorize(
        db, line, amount=amount, purpose="procurement", key=f"a-{order}", order=order
    )
    spending.capture(db, hold.body["id"], amount=None, key=f"c-{order}")


@pytest.mark.parametrize(
    ("since_capture", "refused"),
    [("29d23h", False), ("30d", False), ("30d1m", True), ("30d13h", True)],
)
def test_xiaowang_spending_at_the_30_day_occupancy_limit(
    db: SqlDatabase, since_capture: str, refused: bool
) -> None:
    """小王's order TB001 was captured on 1 May at 10:00. The policy allows 30 days of
    occupancy: until then both the spend and the diagnosis let him spend; the first minute
    past it both refuse with occupancy_overdue, before run-due has frozen anything, and 13
    hours past it (still "30 days" counted in whole days) too."""
    _, line = active_line(db, "小王")
    _occupy(db, line, "30000.00", "TB001")
    clock.advance_clock(db, since_capture)
    why = diagnosis.why(db, line, amount="100.00", purpose="procurement").body
    spent = spending.authorize(db, line, amount="100.00", purpose="procurement", key="s1").body
    if not refused:
        assert (why["ok"], why["reasons"]) == (True, [])
        assert spent["status"] == "authorized"
        return
    assert [r["code"] for r in why["reasons"]] == ["occupancy_overdue"]
    assert [r["code"] for r in spent["reasons"]] == ["occupancy_overdue"]
    assert spent["status"] == "declined"
    facts = why["reasons"][0]["facts"]
    assert [o["order"] for o in facts["orders"]] == ["TB001"]
    assert facts["repay_to_lift"] == "30000.00"
    assert spent["reasons"][0]["facts"]["orders"] == facts["orders"]


# -- late fees ----------------------------------------------------------------------------------
# At the policy rate 0.0005 a day:
#   1,010.00 -> 0.505 a day -> 0.51 half up (0.50 by banker's rounding or truncation)
#      50.00 -> 0.025 a day -> 0.03 half up (0.02 by banker's rounding or truncation)
# Each occupancy is rounded on its own, so the two together owe 0.54 a day (0.53 if the sum
# were rounded once, 0.52 with banker's rounding).
@pytest.mark.parametrize(
    ("amounts", "first_day", "two_days"),
    [
        (["1010.00"], "0.51", "1.02"),
        (["50.00"], "0.03", "0.06"),
        (["1010.00", "50.00"], "0.54", "1.08"),
        (["1001.00"], "0.50", "1.00"),  # 0.5005: below half a fen, down either way
        (["30.00"], "0.02", "0.04"),  # 0.015: half up and banker's agree (2 is even)
    ],
)
def test_late_fees_round_half_up_to_the_fen_for_each_occupancy(
    db: SqlDatabase, amounts: list[str], first_day: str, two_days: str
) -> None:
    _, line = active_line(db)
    for i, amount in enumerate(amounts):
        _occupy(db, line, amount, f"TB{i}")
    clock.advance_clock(db, "32d")  # captured 05-01; 06-01 is the first whole day overdue
    charged = run_due(db).body["late_fees"]
    assert [c["charged"] for c in charged] == [first_day]
    assert charged[0]["rate"] == "0.0005"
    assert lines.show_line(db, line).body["fees_due"] == first_day
    clock.advance_clock(db, "1d")
    run_due(db)
    assert lines.show_line(db, line).body["fees_due"] == two_days
    assert verify_ledger(db).ok
