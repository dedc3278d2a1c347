"""Frequent withdrawal attempts are a risk signal (R15, R17): counted, refused ones too, and a
burst goes to an operator."""

from __future__ import annotations

from creditline.adapters.db.database import SqlDatabase
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.risk import scoring as risk
from creditline.service.settlement import funds
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.helpers import active_line


def settled_merchant(db: SqlDatabase) -> str:
    """A merchant whose 20,000.00 of sales settled on Monday 2 September 2024, withdrawable
    from Tuesday (T+1)."""
    clock.set_clock(db, "2024-09-02T11:00:00+08:00")
    m, _ = active_line(db, "衣尚坊", limit="500000.00")
    splits.set_split_rule(db, m, rule="merchant:100")
    orders.add_order(db, m, order_id="TB1", amount="20000.00", buyer="b")
    orders.ship_order(db, "TB1")
    orders.confirm_order(db, "TB1")
    run_due(db)
    return m


def test_eight_withdrawals_in_a_row_are_counted_and_the_fourth_goes_to_review(
    db: SqlDatabase,
) -> None:
    """Seed 004's first case: eight withdrawals in a row all scored 0. Two on Monday are
    refused (not settled yet) and still count: from the fourth attempt in 24 hours on, each
    waits for an operator, with the counts it saw."""
    m = settled_merchant(db)
    clock.set_clock(db, "2024-09-02T15:00:00+08:00")
    seen: list[tuple[int, str, int]] = []  # (withdrawals_24h it saw, outcome, score)
    for i in range(8):
        if i == 2:
            clock.set_clock(db, "2024-09-03T09:00:00+08:00")
        clock.advance_clock(db, "1m")  # one after the other, a minute apart
        answer = funds.withdraw(db, m, amount="1000.00", key=f"w{i}")
        assert answer.refused is (i < 2), answer.body
        decision = _decision(db, m, i)
        seen.append(
            (
                int(decision["features"].get("withdrawals_24h", 0)),
                decision["outcome"],
                decision["score"],
            )
        )
    assert seen == [
        (0, "approve", 0),
        (1, "approve", 0),
        (2, "approve", 0),
        (3, "review", 40),
        (4, "review", 40),
        (5, "review", 40),
        (6, "review", 40),
        (7, "review", 40),
    ]
    queued = [d for d in risk.queue(db).body["pending"] if d["event"] == "withdrawal"]
    assert len(queued) == 5
    assert {r["code"] for d in queued for r in d["reasons"]} == {"withdrawal_burst"}


def test_a_withdrawal_a_day_is_quiet_and_the_eleventh_in_a_week_is_reviewed(
    db: SqlDatabase,
) -> None:
    """A withdrawal a day and a retry half an hour later stays quiet; more than ten in 7 days
    is a pattern even when no day has a burst."""
    m = settled_merchant(db)
    outcomes = []
    for day in range(3, 9):  # 3 to 8 September, 10:00 and 10:30
        for n, at in enumerate(("10:00", "10:30")):
            clock.set_clock(db, f"2024-09-0{day}T{at}:00+08:00")
            funds.withdraw(db, m, amount="100.00", key=f"w{day}-{n}")
            outcomes.append(_decision(db, m, len(outcomes))["outcome"])
    assert outcomes[:10] == ["approve"] * 10
    assert outcomes[10:] == ["review", "review"]
    eleventh = _decision(db, m, 10)["features"]
    assert (eleventh["withdrawals_7d"], eleventh["withdrawals_24h"]) == ("10", "2")


def _decision(db: SqlDatabase, party: str, n: int) -> dict:
    """The ``n``-th withdrawal decision of ``party`` (0 first), as stored."""
    with db.transaction(write=False) as uow:
        rows = [
            d
            for d in uow.risk.decisions_between(None, None)
            if d.party_id == party and d.event.value == "withdrawal"
        ]
    d = rows[n]
    return {"outcome": d.outcome.value, "score": d.score, "features": d.features}
