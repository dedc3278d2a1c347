"""The key that signs the ledger's checkpoints: created by ``init`` outside the database, needed
by every write, taken from the environment when given there; and the walk that holds a chain
against its checkpoints, on its own (tests/test_ledger_tamper.py has the forgeries)."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from creditline.adapters.db import tables as t
from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.schema import upgrade
from creditline.adapters.ledger_keys import ENV_KEY, ENV_KEY_FILE
from creditline.domain.checkpoints import CheckpointWalk, SigningKey, sign_head
from creditline.domain.errors import LedgerKeyError
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin, spending
from tests.helpers import CLI, START, active_line, run_command, tamper


def test_init_creates_a_private_key_file_and_records_its_fingerprint(
    db_url: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys" / "ledger.key"
    env = {**os.environ, ENV_KEY_FILE: str(key_file)}
    first = _run(env, db_url, "init", "--sandbox")
    assert first["ledger_key_created"] is True
    assert first["ledger_key_file"] == str(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert key_file.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    again = _run(env, db_url, "init", process=False)
    assert (again["ledger_key_created"], again["ledger_key"]) == (False, first["ledger_key"])
    db = SqlDatabase.from_url(db_url)
    try:
        assert _recorded(db) == first["ledger_key"]
    finally:
        db.dispose()


def _run(
    env: dict[str, str], url: str, *args: str, check: int = 0, process: bool = True
) -> dict[str, Any]:
    """``creditline --db URL ARGS --json`` in ``env``: the real script, or in this process."""
    command = ["--db", url, *args, "--json"]
    if process:
        done = subprocess.run([CLI, *command], capture_output=True, text=True, env=env, check=False)
    else:
        done = run_command(command, env=env)
    assert done.returncode == check, (done.stdout, done.stderr)
    return dict(json.loads(done.stdout))


def test_without_a_key_nothing_is_written(
    db: SqlDatabase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An unsigned head would read as tampering, so a writer without the key writes nothing."""
    _, line = active_line(db, limit="1000.00")
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "elsewhere.key"))
    keyless = SqlDatabase(db.engine)
    with pytest.raises(LedgerKeyError, match="creditline init") as refused:
        spending.authorize(keyless, line, amount="10.00", purpose="procurement", key="k")
    assert refused.value.code == "ledger_key_missing"
    assert line_admin.show_line(db, line).body["held"] == "0.00"
    assert verify_ledger(db).ok


def test_the_key_itself_may_come_from_the_environment(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seed = b"\x2a" * 32
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "never-created.key"))
    monkeypatch.setenv(ENV_KEY, base64.b64encode(seed).decode())
    db = SqlDatabase.from_url(db_url)
    try:
        done = upgrade(db.engine, sandbox=True, now=START)
        assert (done["ledger_key"], done["ledger_key_file"]) == (
            SigningKey(seed).public.fingerprint,
            f"${ENV_KEY}",
        )
        active_line(db, limit="1000.00")
        report = verify_ledger(db)
        assert report.ok, report.problems
        assert report.checkpoints > 0
        assert report.trust.source == f"${ENV_KEY}"
    finally:
        db.dispose()
    assert not (tmp_path / "never-created.key").exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_checkpoints SET head_hash = head_hash",
        "DELETE FROM ledger_checkpoints",
        "UPDATE ledger_keys SET public_key = public_key",
        "DELETE FROM ledger_keys",
    ],
)
def test_checkpoints_and_keys_are_append_only_while_their_triggers_stand(
    db: SqlDatabase, db_url: str, statement: str
) -> None:
    active_line(db, limit="1000.00")
    with pytest.raises(Exception, match=r"ledger_(checkpoints|keys) is append-only"):
        tamper(db_url, [statement])
    assert verify_ledger(db).ok


def _recorded(db: SqlDatabase) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(sa.select(t.ledger_keys.c.fingerprint)).scalar_one())


# -- the walk of a chain against its checkpoints, without a database ---------------------------
KEY = SigningKey(b"\x01" * 32)
HASHES = {1: "a" * 64, 2: "b" * 64, 3: "c" * 64, 4: "d" * 64}


def _walk(rows: dict[int, str], signed: dict[int, str] = HASHES) -> list[tuple[str, int]]:
    checkpoints = [sign_head(KEY, "line", ("L", s, h), START) for s, h in signed.items()]
    walk = CheckpointWalk(checkpoints, {KEY.public.fingerprint: KEY.public})
    for seq, digest in rows.items():
        walk.row(seq, digest)
    return [(f.problem, f.seq) for f in walk.end(max(rows, default=0))]


def test_a_walk_names_the_first_signed_head_the_chain_leaves_and_nothing_after() -> None:
    assert _walk(HASHES) == []
    assert _walk({1: HASHES[1], 2: "x" * 64, 3: "y" * 64, 4: "z" * 64}) == [
        ("checkpoint_mismatch", 2)
    ]
    assert _walk({1: HASHES[1], 2: HASHES[2], 4: "z" * 64}) == [("checkpoint_row_missing", 3)]
    assert _walk({1: HASHES[1], 2: HASHES[2]}) == [("chain_truncated", 2)]
    assert _walk({}) == [("chain_truncated", 0)]
    assert _walk({**HASHES, 5: "e" * 64}) == [("checkpoint_missing", 5)]
