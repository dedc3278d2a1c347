"""Faults, tested (issue 18): a full disk under SQLite (a small tmpfs), a database connection
lost in the middle of a spend's transaction and a PostgreSQL restart under load, and a payment
channel that hangs past its deadline. Each ends in a clean, typed error or a recorded timeout;
nothing is half-written; a retry with the same key acts once; nothing is paid twice; the ledger
verifies.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest

from creditline import StorageError, verify_ledger
from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.simulated_channel import HANG_DEADLINES, SimulatedChannel
from creditline.domain.money import Money
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.quota import line_admin as lines
from creditline.service.quota import spending
from creditline.service.settlement import funds
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.helpers import active_line, make_db
from tests.pg import restart_throwaway, start_throwaway, stop_throwaway


@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (root mounts one; anyone else gets a user namespace's)."""
    folder = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"cannot mount a tmpfs (run as root): {done.stderr}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _held(db: SqlDatabase, line: str) -> str:
    return str(lines.show_line(db, line).body["held"])


def test_a_full_disk_refuses_cleanly_and_a_retry_acts_once(tmp_path: Path) -> None:
    with small_disk(tmp_path, "3m") as disk:
        url = f"sqlite:///{disk / 'full.db'}"
        db = make_db(url)
        _, line = active_line(db, limit="1000000.00")
        (disk / "ballast").write_bytes(b"\0" * 64)
        # Fill the rest of the disk, leaving a little room for the spends.
        free = shutil.disk_usage(disk).free
        (disk / "ballast").write_bytes(b"\0" * max(0, free - 96 * 1024))
        answered: dict[str, Any] = {}
        failed_key, message = None, ""
        for i in range(20_000):
            key = f"k{i}"
            try:
                answered[key] = spending.authorize(
                    db, line, amount="1.00", purpose="procurement", key=key
                ).body
            except StorageError as exc:
                failed_key, message = key, exc.message.lower()
                break
        assert failed_key is not None, "the disk never filled"
        assert "full" in message or "disk" in message, message
        # Nothing half-written: what is held is exactly what was answered, and it verifies.
        assert _held(db, line) == f"{len(answered)}.00"
        assert verify_ledger(db).ok
        (disk / "ballast").unlink()  # space again
        retried = spending.authorize(db, line, amount="1.00", purpose="procurement", key=failed_key)
        again = spending.authorize(db, line, amount="1.00", purpose="procurement", key=failed_key)
        assert retried.body == again.body
        assert _held(db, line) == f"{len(answered) + 1}.00"
        first = next(iter(answered))
        replay = spending.authorize(db, line, amount="1.00", purpose="procurement", key=first)
        assert replay.body == answered[first]
        assert verify_ledger(db).ok
        db.dispose()


@pytest.mark.postgres
def test_a_connection_lost_mid_transaction_writes_nothing(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = make_db(postgres_url)
    _, line = active_line(db)
    real_post = spending.post_movement
    killed: list[int] = []

    def post_then_lose_the_connection(uow: Any, *args: Any, **kwargs: Any) -> Any:
        after = real_post(uow, *args, **kwargs)  # the transfers are queued, not committed
        if not killed:
            uow.session.flush()
            pid = uow.session.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            server = postgres_url.split("?", maxsplit=1)[0]
            with psycopg.connect(server, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (pid,))
            killed.append(pid)
        return after

    monkeypatch.setattr(spending, "post_movement", post_then_lose_the_connection)
    with pytest.raises(StorageError):
        spending.authorize(db, line, amount="10.00", purpose="procurement", key="lost")
    assert killed
    assert _held(db, line) == "0.00"  # the transaction died with its connection
    assert verify_ledger(db).ok
    first = spending.authorize(db, line, amount="10.00", purpose="procurement", key="lost")
    again = spending.authorize(db, line, amount="10.00", purpose="procurement", key="lost")
    assert first.body == again.body
    assert _held(db, line) == "10.00"
    assert verify_ledger(db).ok
    db.dispose()


def _one_supplier_payout(db: SqlDatabase) -> str:
    clock.set_clock(db, "2024-05-06T10:00:00+08:00")
    m, _ = active_line(db, limit="1000.00")
    core = splits.add_supplier(db, m, name="核心", tier="core", account="S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:100")
    orders.add_order(db, m, order_id="TB1", amount="88.00")
    orders.ship_order(db, "TB1")
    orders.confirm_order(db, "TB1")
    splits.run_due_splits(db)
    return m


def test_a_channel_that_hangs_is_given_up_at_its_deadline_and_pays_once(db_url: str) -> None:
    """The channel stays silent for ten deadlines: the payout run waits one deadline, records
    a timeout (fate unknown), and the retry finds the payout paid: one 'paid' record, no more."""
    make_db(db_url).dispose()
    deadline = 0.4
    db = SqlDatabase.from_url(db_url, channel=partial(SimulatedChannel, timeout_s=deadline))
    m = _one_supplier_payout(db)
    funds.fail_payouts(db, count=1, error="hang")
    start = time.monotonic()
    first = run_due(db).body["payouts"]
    waited = time.monotonic() - start
    assert deadline <= waited < deadline * HANG_DEADLINES / 2, waited  # the deadline, not the hang
    assert [p["outcome"] for p in first] == ["timeout"]
    [payout] = funds.list_payouts(db, m).body["data"]
    assert payout["status"] != "paid"
    for _ in range(4):
        clock.advance_clock(db, "1d")
        run_due(db)
    [payout] = funds.list_payouts(db, m).body["data"]
    assert payout["status"] == "paid"
    with db.transaction(write=False) as uow:
        records = uow.payouts.channel_paid_between(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
    assert [r["payout"] for r in records] == [payout["id"]]  # paid once, answered twice
    assert verify_ledger(db).ok
    db.dispose()


def test_a_hanging_channel_holds_no_lock_of_ours(db_url: str) -> None:
    """The payout is claimed in one transaction and answered in another; the channel is called
    between them, so while it hangs the party's funds (and, on SQLite, the database) are free."""
    make_db(db_url).dispose()
    deadline = 1.5
    db = SqlDatabase.from_url(db_url, channel=partial(SimulatedChannel, timeout_s=deadline))
    m = _one_supplier_payout(db)
    [payout] = funds.list_payouts(db, m).body["data"]
    funds.fail_payouts(db, count=1, error="hang")
    run = threading.Thread(target=run_due, args=(db,))
    run.start()
    try:
        claimed = time.monotonic() + deadline
        while time.monotonic() < claimed:  # until the run has claimed it and is calling
            with db.transaction(write=False) as uow:
                now = uow.reference.now()
                if uow.payouts.get_payout(payout["id"]).next_attempt_at > now:
                    break
            time.sleep(0.01)
        else:
            pytest.fail("the payout run never claimed the payout")
        start = time.monotonic()
        with db.transaction() as uow:
            uow.funds.lock_funds(m, "CNY", uow.reference.now())
        took = time.monotonic() - start
        assert run.is_alive()  # the channel was still hanging while we held the lock
    finally:
        run.join()
    assert took < deadline / 3, took
    [after] = funds.list_payouts(db, m).body["data"]
    assert after["attempts"] == 1
    assert after["last_error"] == "timeout"
    assert verify_ledger(db).ok
    db.dispose()


def test_a_run_that_dies_after_the_channel_paid_is_taken_over_once(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run dies between the channel's answer and recording it: the claim lapses, the next
    run calls again as the next attempt, the channel answers 'paid again', and the payout is
    paid once; the due jobs are not blocked by it."""
    db = make_db(db_url)
    m = _one_supplier_payout(db)
    record = funds._record_answer

    def dies(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("killed between the channel's answer and its record")

    monkeypatch.setattr(funds, "_record_answer", dies)
    with pytest.raises(RuntimeError):
        run_due(db)
    monkeypatch.setattr(funds, "_record_answer", record)
    [claimed] = funds.list_payouts(db, m).body["data"]
    assert claimed["status"] != "paid"
    assert claimed["attempts"] == 1
    run_due(db)  # within the claim's lease: left alone
    assert funds.list_payouts(db, m).body["data"][0]["attempts"] == 1
    clock.advance_clock(db, "11m")
    for _ in range(3):
        run_due(db)
        clock.advance_clock(db, "1d")
    [payout] = funds.list_payouts(db, m).body["data"]
    assert payout["status"] == "paid"
    assert payout["attempts"] == 2
    with db.transaction(write=False) as uow:
        records = uow.payouts.channel_paid_between(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
    assert [r["payout"] for r in records] == [payout["id"]]  # paid once
    assert verify_ledger(db).ok
    db.dispose()


def _spend_until_answered(db: SqlDatabase, line: str, key: str, cut: list[str]) -> Any:
    """A client's loop: a call cut off by the restart is re-sent with its key until answered."""
    for _ in range(600):
        try:
            return spending.authorize(db, line, amount="1.00", purpose="procurement", key=key).body
        except StorageError:
            cut.append(key)
            time.sleep(0.05)
    raise AssertionError(f"{key} was never answered")


@pytest.mark.postgres
def test_a_postgresql_restart_under_load_loses_nothing() -> None:
    """Two clients spend on one line while the server restarts (``pg_ctl restart -m fast``):
    calls cut off end in ``StorageError`` and are re-sent with their key; afterwards every
    answer replays, the holds are exactly the authorised ones, and the ledger verifies."""
    url, data = start_throwaway()
    try:
        db = make_db(url)
        _, line = active_line(db, limit="300.00")
        stop, answers, cut = threading.Event(), {}, []

        def client(worker: int) -> None:
            for i in itertools.count():
                if stop.is_set():
                    return
                key = f"w{worker}-{i}"
                answers[key] = _spend_until_answered(db, line, key, cut)

        threads = [threading.Thread(target=client, args=(w,)) for w in range(2)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        restart_throwaway(data)
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        assert cut, "the restart cut no call"
        authorized = [b for b in answers.values() if b["status"] == "authorized"]
        for key, body in list(answers.items())[:: max(1, len(answers) // 100)]:
            assert _spend_until_answered(db, line, key, cut) == body
        assert _held(db, line) == Money(len(authorized) * 100).format()
        assert verify_ledger(db).ok
        print(f"restart: {len(answers)} spends, {len(cut)} calls cut off and re-sent")
        db.dispose()
    finally:
        stop_throwaway(data)
