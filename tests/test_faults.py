"""Faults, tested (issue 18): a full disk under SQLite (a small tmpfs) and a database
connection lost in the middle of a spend's transaction on PostgreSQL. Each ends in a clean,
typed error; nothing is half-written; a retry with the same key acts once; the ledger verifies.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from creditline import StorageError, verify_ledger
from creditline.adapters.db.database import SqlDatabase
from creditline.service.quota import line_admin as lines
from creditline.service.quota import spending
from tests.helpers import active_line, make_db


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
