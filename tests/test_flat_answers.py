"""Answers that stay flat as a line grows (issue 18): the quota history from the running
day-end aggregate, and ``why``/exposure reading a page of open orders with a cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from creditline import InvalidInput, authorize_batch, capture, line_exposure, quota_history, why
from creditline.adapters.db import tables as t
from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.schema import fill_day_ends
from creditline.domain.ledger import LINE_BOOK, Balances
from creditline.domain.quota.quota_views import end_of_day_balances
from creditline.domain.workdays import local_date
from creditline.service import sandbox_clock as clock
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import spending
from creditline.service.quota.line_book import balances_json
from tests.helpers import active_line


def _story(db: SqlDatabase) -> str:
    _, line = active_line(db, limit="5000.00")
    for day in range(6):
        for i in range(3):
            hold = spending.authorize(
                db, line, amount=f"{10 + i}.00", purpose="procurement", key=f"d{day}-{i}"
            ).body["id"]
            if i:
                capture(db, hold, amount=None, key=f"c{day}-{i}")
        if day % 2:
            spending.repay(db, line, amount="5.00", key=f"r{day}")
        clock.advance_clock(db, f"{1 + day % 2}d")
    return line


def test_the_day_end_aggregate_equals_the_replayed_ledger(db: SqlDatabase) -> None:
    line = _story(db)
    fast = quota_history(db, line, days=20).body["days"]
    with db.transaction(write=False) as uow:
        today = local_date(uow.reference.now())
        window = [today - timedelta(days=19 - i) for i in range(20)]
        slow = end_of_day_balances(
            uow.lines.transfers_of(line), Balances.empty(LINE_BOOK, "CNY"), window
        )
    assert [{k: r[k] for k in ("limit", "held", "occupied", "frozen")} for r in fast] == [
        {k: v for k, v in balances_json(b).items() if k in ("limit", "held", "occupied", "frozen")}
        for b in slow
    ]
    assert len({r["held"] for r in fast}) > 3  # the days differ
    # A database from before the aggregate: upgrade replays each line once, to the same rows.
    with db.engine.begin() as conn:
        before = sorted(tuple(r) for r in conn.execute(t.line_day_ends.select()))
        conn.execute(delete(t.line_day_ends))
        fill_day_ends(conn)
        after = sorted(tuple(r) for r in conn.execute(t.line_day_ends.select()))
    assert after == before
    assert len(before) >= 6


def _open_orders(db: SqlDatabase, count: int) -> str:
    _, line = active_line(db, limit="100000.00")
    spends = [
        {"line": line, "amount": "2.00", "purpose": "procurement", "key": f"s{i}", "order": f"o{i}"}
        for i in range(count)
    ]
    for r in authorize_batch(db, spends).body["results"]:
        capture(db, r["hold"]["id"], amount=None, key=f"c{r['key']}")
    return line


def test_why_lists_the_oldest_page_and_counts_them_all(db: SqlDatabase) -> None:
    line = _open_orders(db, 120)
    body = why(db, line, amount="1.00", purpose="procurement").body
    assert body["ok"]
    shown = body["breakdown"]["occupancy"]
    assert len(shown) == 50
    assert body["breakdown"]["occupancy_count"] == 120
    assert body["breakdown"]["occupancy_more"] == 70
    pages, after = [], None
    while True:
        page = line_exposure(db, line, after=after, limit=50).body
        assert page["occupancy_count"] == 120
        pages += [o["occupancy"] for o in page["occupancy"]]
        after = page["next"]
        if after is None:
            break
    assert len(pages) == len(set(pages)) == 120
    assert pages[:50] == [o["occupancy"] for o in shown]
    # Past the occupancy limit: every order counts, 50 are named, the spend agrees.
    clock.advance_clock(db, "100d")
    body = why(db, line, amount="1.00", purpose="procurement").body
    (reason,) = [r for r in body["reasons"] if r["code"] == "occupancy_overdue"]
    assert reason["facts"]["count"] == 120
    assert reason["facts"]["repay_to_lift"] == "240.00"
    assert len(reason["facts"]["orders"]) == 50
    assert reason["facts"]["orders_more"] == 70
    spent = spending.authorize(db, line, amount="1.00", purpose="procurement", key="late")
    assert spent.refused
    assert "occupancy_overdue" in [r["code"] for r in spent.body["reasons"]]


def test_a_bad_cursor_names_its_field(db: SqlDatabase) -> None:
    line = _open_orders(db, 3)
    with pytest.raises(InvalidInput) as bad:
        line_exposure(db, line, after="occ_nope")
    assert bad.value.param == "after"
    with pytest.raises(InvalidInput) as big:
        line_exposure(db, line, limit=501)
    assert big.value.param == "limit"


def test_the_running_count_of_open_orders_follows_captures_repayments_and_refunds(
    db: SqlDatabase,
) -> None:
    """``occupancy_count`` is the line's running count (no index is counted): it rises with
    each capture and falls only when an order is paid off, by repayment or refund."""
    _, line = active_line(db, limit="5000.00")
    holds = []
    for i in range(4):
        hold = spending.authorize(
            db, line, amount="10.00", purpose="procurement", key=f"n{i}"
        ).body["id"]
        capture(db, hold, amount=None, key=f"nc{i}")
        holds.append(hold)
        clock.advance_clock(db, "1h")  # oldest first is the capture order

    def count() -> int:
        return int(line_exposure(db, line).body["occupancy_count"])

    assert count() == 4
    spending.repay(db, line, amount="15.00", key="nr1")  # pays off the first, half the second
    assert count() == 3
    spending.refund(db, holds[3], amount="4.00", key="nf1")  # part of the last: still open
    assert count() == 3
    spending.refund(db, holds[3], amount="6.00", key="nf2")  # the rest: closed
    assert count() == 2
    with db.transaction(write=False) as uow:
        assert uow.lines.read_line(line).open_orders == 2
    assert (
        why(db, line, amount="1.00", purpose="procurement").body["breakdown"]["occupancy_count"]
        == 2
    )
    assert verify_ledger(db).ok
