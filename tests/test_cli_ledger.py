"""The foundation through the real command: the story, exit codes, replays, tampering, clocks."""

from __future__ import annotations

import os
import sqlite3
import subprocess

import pytest
from sqlalchemy.engine import make_url

from tests.helpers import CLI, cli, drop_append_only_guards, js, run_command, tamper


def story(url: str) -> dict[str, str]:
    js(url, "init", "--sandbox")
    js(url, "clock", "set", "2024-05-01T10:00:00+08:00")
    m = js(url, "party", "add", "merchant", "--name", "衣尚坊", "--category", "apparel")["id"]
    line = js(url, "line", "open", m, "--product", "merchant_bnpl", "--limit", "500000.00")
    assert line["status"] == "pending_activation"
    refused = js(url, "line", "activate", line["id"], check=3)
    assert [r["code"] for r in refused["reasons"]] == [
        "real_name_missing",
        "qualification_missing",
        "settlement_account_missing",
    ]
    js(url, "party", "verify", m, "--real-name", "--qualification", "--settlement-account", "6222")
    assert js(url, "line", "activate", line["id"])["status"] == "active"
    return {"merchant": m, "line": line["id"]}


def test_the_foundation_story_through_the_cli(db_url: str) -> None:
    ids = story(db_url)
    line = ids["line"]
    hold = js(
        db_url,
        "spend",
        "authorize",
        line,
        "--amount",
        "120000.00",
        "--purpose",
        "procurement",
        "--key",
        "k1",
        "--order",
        "PO1",
    )
    assert hold["status"] == "authorized"
    assert {"id", "status", "reasons", "expires_at"} <= set(hold)
    assert (
        js(
            db_url,
            "spend",
            "authorize",
            line,
            "--amount",
            "120000.00",
            "--purpose",
            "procurement",
            "--key",
            "k1",
            "--order",
            "PO1",
        )
        == hold
    )
    reused = js(
        db_url,
        "spend",
        "authorize",
        line,
        "--amount",
        "1.00",
        "--purpose",
        "procurement",
        "--key",
        "k1",
        check=2,
    )
    assert reused["error"]["code"] == "idempotency_key_reused"
    assert reused["error"]["param"] == "key"
    over = js(
        db_url,
        "spend",
        "authorize",
        line,
        "--amount",
        "400000.00",
        "--purpose",
        "procurement",
        "--key",
        "k2",
        check=3,
    )
    assert [r["code"] for r in over["reasons"]] == ["insufficient_available"]
    cash = js(
        db_url,
        "spend",
        "authorize",
        line,
        "--amount",
        "1.00",
        "--purpose",
        "withdraw_cash",
        "--key",
        "k3",
        check=3,
    )
    assert [r["code"] for r in cash["reasons"]] == ["purpose_forbidden"]
    before = js(db_url, "line", "show", line)
    bad = js(
        db_url,
        "spend",
        "authorize",
        line,
        "--amount",
        "1.001",
        "--purpose",
        "procurement",
        "--key",
        "k4",
        check=2,
    )
    assert bad["error"]["param"] == "amount"
    unknown = js(
        db_url,
        "spend",
        "authorize",
        line,
        "--amount",
        "1.00",
        "--purpose",
        "gambling",
        "--key",
        "k5",
        check=2,
    )
    assert unknown["error"]["param"] == "purpose"
    assert js(db_url, "line", "show", line) == before
    captured = js(  # the real script, once for the lines' commands and once for the ledger's
        db_url, "spend", "capture", hold["id"], "--amount", "100000.00", "--key", "c1", process=True
    )
    assert captured["status"] == "captured"
    small = js(
        db_url,
        "spend",
        "authorize",
        line,
        "--amount",
        "30000.00",
        "--purpose",
        "logistics",
        "--key",
        "k6",
    )
    js(db_url, "repay", line, "--amount", "60000.00", "--key", "r1")
    js(db_url, "clock", "advance", "8d")
    assert js(db_url, "run-due")["expired_holds"] == [small["id"]]
    shown = js(db_url, "line", "show", line)
    assert {
        k: shown[k]
        for k in ("status", "currency", "limit", "held", "occupied", "frozen", "available")
    } == {
        "status": "active",
        "currency": "CNY",
        "limit": "500000.00",
        "held": "0.00",
        "occupied": "40000.00",
        "frozen": "0.00",
        "available": "460000.00",
    }
    assert js(db_url, "ledger", "verify", process=True)["ok"] is True


@pytest.mark.parametrize(
    ("statements", "problem"),
    [
        (["UPDATE ledger_transfers SET amount = amount + 1 WHERE seq = 2"], "hash_mismatch"),
        (["DELETE FROM ledger_transfers WHERE seq = 2"], "sequence_gap"),
        (["UPDATE lines SET available = available - 100, held = held + 100"], "balance_mismatch"),
    ],
)
def test_ledger_verify_names_the_first_bad_row_after_tampering(
    db_url: str, statements: list[str], problem: str
) -> None:
    ids = story(db_url)
    for key in ("k1", "k2"):
        js(
            db_url,
            "spend",
            "authorize",
            ids["line"],
            "--amount",
            "10.00",
            "--purpose",
            "procurement",
            "--key",
            key,
        )
    drop_append_only_guards(db_url)
    tamper(db_url, statements)
    report = js(db_url, "ledger", "verify", check=1)
    assert report["ok"] is False
    assert report["first_bad"]["line"] == ids["line"]
    assert problem in {p["problem"] for p in report["problems"]}
    text = cli(db_url, "ledger", "verify", check=1).stdout
    assert "first bad row" in text


def test_the_ledger_refuses_edits_while_its_triggers_stand(sqlite_url: str) -> None:
    story(sqlite_url)
    conn = sqlite3.connect(make_url(sqlite_url).database or "")
    with pytest.raises(sqlite3.IntegrityError, match=r"^ledger_transfers is append-only$"):
        conn.execute("UPDATE ledger_transfers SET amount = 1")
    with pytest.raises(sqlite3.IntegrityError, match=r"^ledger_transfers is append-only$"):
        conn.execute("DELETE FROM ledger_transfers")
    conn.close()


def test_a_live_database_refuses_to_move_its_clock(sqlite_url: str) -> None:
    js(sqlite_url, "init")
    refused = js(sqlite_url, "clock", "advance", "3d", check=3)
    assert refused["error"]["code"] == "clock_not_sandbox"


def test_the_database_comes_from_the_option_either_place_or_the_environment(
    sqlite_url: str,
) -> None:
    js(sqlite_url, "init", "--sandbox")
    env = {**os.environ, "CREDITLINE_DB": sqlite_url}
    by_env = subprocess.run(
        [CLI, "clock", "show", "--json"], capture_output=True, text=True, env=env, check=True
    )
    assert '"sandbox": true' in by_env.stdout
    after = run_command(["clock", "show", "--json", "--db", sqlite_url])
    assert after.returncode == 0, after.stderr
    assert '"sandbox": true' in after.stdout
    missing = run_command(["--db", sqlite_url + ".none", "line", "show", "line_x", "--json"])
    assert missing.returncode == 1
    assert "not initialised" in missing.stdout
