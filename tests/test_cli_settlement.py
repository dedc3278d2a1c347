"""Settlement through the real command on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.helpers import cli, js


def test_settlement_through_the_cli(db_url: str, tmp_path: Path) -> None:
    js(db_url, "init", "--sandbox")
    js(db_url, "clock", "set", "2024-09-30T11:00:00+08:00")
    m = js(db_url, "party", "add", "merchant", "--name", "衣尚坊", "--category", "apparel")["id"]
    js(
        db_url,
        "party",
        "verify",
        m,
        "--real-name",
        "--qualification",
        "--settlement-account",
        "6222",
    )
    line = js(db_url, "line", "open", m, "--product", "merchant_bnpl", "--limit", "1000.00")["id"]
    js(db_url, "line", "activate", line)
    sup = js(
        db_url, "supplier", "add", m, "--name", "杭州织造", "--tier", "core", "--account", "6222-S"
    )["id"]
    bad = js(db_url, "split", "set", m, "--rule", f"supplier:{sup}:60,repayment:30", check=2)
    assert bad["error"]["param"] == "rule"
    rule = js(db_url, "split", "set", m, "--rule", f"supplier:{sup}:60,repayment:30,merchant:10")
    assert rule["version"] == 1
    js(db_url, "order", "add", m, "--order", "TB1", "--amount", "1000.00", "--buyer", "b")
    js(db_url, "order", "ship", "TB1")
    confirmed = js(db_url, "order", "confirm", "TB1")
    assert confirmed["state"] == "confirmed"
    js(db_url, "operator", "add", "boss", "--role", "admin")
    js(db_url, "operator", "add", "wang", "--role", "operations", "--as", "boss")
    js(db_url, "sandbox", "fail-payouts", "--count", "1", "--error", "channel_error", "--as",
       "wang")  # fmt: skip
    # The channel keeps its failure plan in its own transaction: the audit record is in it.
    log = js(db_url, "audit", "list", "--as", "boss", "--actor", "wang")["data"]
    assert [(r["action"], r["outcome"]) for r in log] == [("payouts.write", "committed")]
    due = js(db_url, "run-due")
    assert due["splits"][0]["parts"][0]["amount"] == "600.00"
    assert due["payouts"][0]["outcome"] == "channel_error"
    js(db_url, "clock", "advance", "10m")
    assert js(db_url, "run-due")["payouts"][0]["outcome"] == "paid"
    payouts = js(db_url, "payouts", "list", "--party", m)["data"]
    assert [p["status"] for p in payouts] == ["paid"]
    refused = js(db_url, "withdraw", m, "--amount", "100.00", "--key", "w1", check=3)
    assert refused["reasons"][0]["facts"]["available_on"] == "2024-10-08"
    assert js(db_url, "order", "show", "TB1")["split_done"] is True
    assert js(db_url, "reconcile", "--date", "2024-09-30")["ok"] is True
    statement = js(
        db_url, "statement", line, "--from", "2024-09-01", "--to", "2024-09-30", "--format", "json"
    )
    assert statement["rows"][0]["type"] == "grant"
    csv_text = cli(  # the real script, once: a CSV on a pipe
        db_url, "statement", line, "--from", "2024-09-01", "--to", "2024-09-30", process=True
    ).stdout
    assert csv_text.splitlines()[0].startswith("时间（北京时间）")
    xlsx = tmp_path / "s.xlsx"
    js(
        db_url,
        "statement",
        line,
        "--from",
        "2024-09-01",
        "--to",
        "2024-09-30",
        "--format",
        "xlsx",
        "--out",
        str(xlsx),
    )
    assert load_workbook(xlsx).active["A2"].value == "时间（北京时间）"
    events = js(db_url, "events", "list", "--type", "split.executed")["data"]
    assert len(events) == 1
    assert js(db_url, "ledger", "verify")["ok"] is True


def test_a_live_database_refuses_to_fake_channel_failures(sqlite_url: str) -> None:
    js(sqlite_url, "init")
    js(sqlite_url, "operator", "add", "boss", "--role", "admin")
    js(sqlite_url, "operator", "add", "wang", "--role", "operations", "--as", "boss")
    fail = ["sandbox", "fail-payouts", "--count", "1", "--as", "wang"]
    refused = js(sqlite_url, *fail, "--error", "timeout", check=3)
    assert refused["error"]["code"] == "sandbox_only"
    bad = js(sqlite_url, *fail, "--error", "boom", check=2)
    assert bad["error"]["param"] == "error"
