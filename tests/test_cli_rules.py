"""Through the real command: why (zh/en text and JSON), freezes, policy, calendar."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import cli, js


def test_the_diagnosis_through_the_cli_in_chinese_english_and_json(db_url: str) -> None:
    js(db_url, "init", "--sandbox")
    js(db_url, "clock", "set", "2024-05-01T10:00:00+08:00")
    m = js(db_url, "party", "add", "merchant", "--name", "小王")["id"]
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
    js(db_url, "operator", "add", "boss", "--role", "admin")
    js(db_url, "operator", "add", "wang", "--role", "operations", "--as", "boss")
    freeze = js(
        db_url,
        "freeze",
        "add",
        line,
        "--reason",
        "risk",
        "--temporary",
        "--note",
        "异常登录",
        "--key",
        "f1",
        "--as",
        "wang",
    )
    assert freeze["ends_at"] == "2024-05-02T10:00:00+08:00"
    body = js(db_url, "why", line, "--amount", "2000.00", "--purpose", "withdraw_cash")
    assert not body["ok"]
    assert [r["code"] for r in body["reasons"]] == [
        "purpose_forbidden",
        "line_frozen",
        "insufficient_available",
    ]
    assert {"code", "message_zh", "message_en", "facts", "action", "clears_at"} <= set(
        body["reasons"][0]
    )
    assert body["reasons"][1]["clears_at"] == "2024-05-02T10:00:00+08:00"
    zh = cli(  # the real script, once
        db_url, "why", line, "--amount", "2000.00", "--purpose", "procurement", process=True
    ).stdout
    assert "额度被冻结" in zh
    assert "可用额度" in zh
    en = cli(db_url, "why", line, "--amount", "10.00", "--lang", "en").stdout
    assert "frozen" in en
    declined = js(
        db_url,
        "spend",
        "authorize",
        line,
        "--amount",
        "2000.00",
        "--purpose",
        "withdraw_cash",
        "--key",
        "s1",
        check=3,
    )
    assert [r["code"] for r in declined["reasons"]] == [r["code"] for r in body["reasons"]]
    listed = js(db_url, "freeze", "list", line)
    assert listed["freezes"][0]["id"] == freeze["id"]
    lifted = js(
        db_url, "freeze", "lift", freeze["id"], "--note", "误判", "--key", "l1", "--as", "wang"
    )
    assert lifted["status"] == "lifted"
    assert js(db_url, "why", line, "--amount", "10.00")["ok"]
    bad = js(db_url, "why", line, "--amount", "10.001", check=2)
    assert bad["error"]["param"] == "amount"


def test_policy_and_calendar_through_the_cli(db_url: str) -> None:
    js(db_url, "init", "--sandbox")
    js(db_url, "clock", "set", "2024-05-01T10:00:00+08:00")
    js(db_url, "operator", "add", "boss", "--role", "admin")
    shown = js(db_url, "policy", "show", "--at", "2023-08-31T12:00:00+08:00")
    assert shown["values"]["temporary_freeze_hours"]["value"] == "72"
    past = js(
        db_url,
        "policy",
        "set",
        "max_single_spend",
        "5000.00",
        "--effective",
        "2020-01-01T00:00:00+08:00",
        "--as",
        "boss",
        check=2,
    )
    assert past["error"]["param"] == "effective"
    changed = js(
        db_url,
        "policy",
        "set",
        "late_fee_daily_rate",
        "0.0006",
        "--effective",
        "now",
        "--note",
        "调整",
        "--as",
        "boss",
    )
    assert changed["value"] == "0.0006"
    assert js(db_url, "calendar", "next-workday", "2024-09-30")["date"] == "2024-10-08"
    assert js(db_url, "calendar", "next-workday", "2024-09-30", "--days", "2")["date"] == (
        "2024-10-09"
    )
    events = js(db_url, "events", "list", "--type", "policy.changed")
    assert events["data"][-1]["payload"]["value"] == "0.0006"


def test_loading_a_holiday_notice_from_a_file(sqlite_url: str, tmp_path: Path) -> None:
    js(sqlite_url, "init")
    js(sqlite_url, "operator", "add", "boss", "--role", "admin")
    notice = tmp_path / "2027.json"
    notice.write_text(
        json.dumps(
            {
                "year": 2027,
                "holidays": [{"name": "国庆节", "from": "2027-10-01", "to": "2027-10-07"}],
                "workdays": [{"name": "国庆调休", "date": "2027-10-09"}],
            }
        ),
        encoding="utf-8",
    )
    loaded = js(sqlite_url, "calendar", "load", str(notice), "--as", "boss")
    assert loaded["loaded"] == 8
    day = js(sqlite_url, "calendar", "next-workday", "2027-09-30")
    assert day == {"date": "2027-10-08", "from": "2027-09-30", "days": 1, "provisional": False}
    missing = js(
        sqlite_url, "calendar", "load", str(tmp_path / "none.json"), "--as", "boss", check=2
    )
    assert missing["error"]["param"] == "file"
