"""Eight processes racing for one line never overspend it, on SQLite and PostgreSQL (R6)."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.money import Money
from creditline.domain.settlement.payouts import PayoutStatus
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from tests.helpers import make_db

PROCESSES = 8


def _line(url: str, limit: str) -> str:
    db = make_db(url)
    m = parties.add_party(db, kind="merchant", name="衣尚坊").body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="6222")
    line = lines.open_line(db, m, product="merchant_bnpl", limit=limit).body["id"]
    lines.activate_line(db, line)
    db.dispose()
    return line


def _racer(url: str, line: str, worker: int, tries: int, barrier: Any, out: Any) -> None:  # noqa: PLR0917
    db = SqlDatabase.from_url(url)
    barrier.wait()
    results = []
    for i in range(tries):
        body = spending.authorize(
            db, line, amount="7.00", purpose="procurement", key=f"w{worker}-{i}"
        ).body
        results.append((body["status"], [r["code"] for r in body["reasons"]]))
    db.dispose()
    out.put(results)


def _same_key(url: str, line: str, barrier: Any, out: Any) -> None:
    db = SqlDatabase.from_url(url)
    barrier.wait()
    body = spending.authorize(db, line, amount="5.00", purpose="procurement", key="once").body
    db.dispose()
    out.put(body)


def _mixed(url: str, line: str, worker: int, barrier: Any, out: Any) -> None:
    db = SqlDatabase.from_url(url)
    barrier.wait()
    done = 0
    for i in range(10):
        hold = spending.authorize(
            db, line, amount="3.00", purpose="procurement", key=f"m{worker}-{i}"
        )
        if hold.refused:
            continue
        spending.capture(db, hold.body["id"], amount="2.00", key=f"c{worker}-{i}")
        spending.repay(db, line, amount="1.00", key=f"r{worker}-{i}")
        done += 1
    db.dispose()
    out.put(done)


def _race(target: Any, args_for: Any) -> list[Any]:
    """Eight processes of their own (each its own engine and connections), released at once.
    They are forked from a server process that imported this module once (``forkserver``):
    a new interpreter each (``spawn``) spent seconds importing creditline eight times a test."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    barrier, out = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(*args_for(w), barrier, out)) for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def test_eight_processes_racing_for_one_line_never_overspend_it(db_url: str) -> None:
    line = _line(db_url, "100.00")  # 14 holds of 7.00 fit; 8 x 6 = 48 are asked for
    results = _race(_racer, lambda w: (db_url, line, w, 6))
    flat = [r for worker in results for r in worker]
    authorized = [r for r in flat if r[0] == "authorized"]
    declined = [r for r in flat if r[0] == "declined"]
    assert len(authorized) == 14
    assert all(codes == ["insufficient_available"] for _, codes in declined)
    db = SqlDatabase.from_url(db_url)
    shown = lines.show_line(db, line).body
    assert Money.parse(shown["held"]).minor == len(authorized) * 700
    assert Money.parse(shown["held"]).minor + Money.parse(shown["occupied"]).minor <= 10000
    assert Money.parse(shown["available"]).minor >= 0
    assert verify_ledger(db).ok
    db.dispose()


def test_eight_processes_with_one_key_create_one_hold(db_url: str) -> None:
    line = _line(db_url, "1000.00")
    bodies = _race(_same_key, lambda _w: (db_url, line))
    assert len({b["id"] for b in bodies}) == 1
    assert all(b == bodies[0] for b in bodies)
    db = SqlDatabase.from_url(db_url)
    assert lines.show_line(db, line).body["held"] == "5.00"
    db.dispose()


def test_authorise_capture_and_repay_from_eight_processes_keep_the_ledger_true(
    db_url: str,
) -> None:
    line = _line(db_url, "200.00")
    done = sum(_race(_mixed, lambda w: (db_url, line, w)))
    db = SqlDatabase.from_url(db_url)
    shown = lines.show_line(db, line).body
    assert shown["occupied"] == Money(done * 100).format()
    assert shown["held"] == "0.00"
    report = verify_ledger(db)
    assert report.ok, report.problems
    db.dispose()


def _run_due(url: str, barrier: Any, out: Any) -> None:
    from creditline.service.due_jobs import run_due

    db = SqlDatabase.from_url(url)
    barrier.wait()
    out.put(len(run_due(db).body["payouts"]))
    db.dispose()


def test_run_due_in_parallel_pays_each_payout_once(db_url: str) -> None:
    from creditline.service import sandbox_clock as clock
    from creditline.service.settlement import order_flow as orders
    from creditline.service.settlement import split_runs as splits

    db = make_db(db_url)
    clock.set_clock(db, "2024-05-06T10:00:00+08:00")
    m = parties.add_party(db, kind="merchant", name="衣尚坊").body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="A")
    core = splits.add_supplier(db, m, name="核心", tier="core", account="S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:100")
    for i in range(6):
        orders.add_order(db, m, order_id=f"TB{i}", amount="10.00")
        orders.ship_order(db, f"TB{i}")
        orders.confirm_order(db, f"TB{i}")
    splits.run_due_splits(db)
    db.dispose()
    attempts = sum(_race(_run_due, lambda _w: (db_url,)))
    db = SqlDatabase.from_url(db_url)
    with db.transaction(write=False) as uow:
        book = uow.funds.funds_balances(m)
        paid = [r for r in uow.payouts.payouts(m) if r.payout.status is PayoutStatus.PAID]
    assert attempts == 6  # six payouts, one attempt each, whichever process made it
    assert len(paid) == 6
    assert book is not None
    assert book.supplier_payable.minor == 0
    assert verify_ledger(db).ok
    db.dispose()
