"""``authorize_batch``: many spends on many lines, one commit; each spend its own answer, key
and risk score; a refused or bad spend does not refuse the others (issue 18)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from creditline import InvalidInput, authorize, authorize_batch, verify_ledger
from creditline.adapters.db.database import SqlDatabase
from creditline.service.quota import line_admin as lines
from tests.helpers import active_line, cli, make_db, run_command


def _spend(line: str, key: str, amount: str = "10.00", **extra: Any) -> dict[str, Any]:
    return {"line": line, "amount": amount, "purpose": "procurement", "key": key, **extra}


def _balances(db: SqlDatabase, line: str) -> dict[str, Any]:
    return dict(lines.show_line(db, line).body)


def test_one_batch_many_lines_each_its_own_answer(db: SqlDatabase) -> None:
    _, a = active_line(db, "甲店", limit="1000.00")
    _, b = active_line(db, "乙店", limit="50.00")
    spends = [
        _spend(a, "a1", "100.00", order="o-1"),
        _spend(b, "b1", "40.00"),
        _spend(b, "b2", "40.00"),  # b has only 10.00 left after b1: declined, the rest go on
        _spend("line_0000000000000000", "x1"),  # no such line: an error of its own
        {"line": a, "amount": "-3", "purpose": "procurement", "key": "bad"},
        {"line": a, "amount": "5.00", "purpose": "withdraw_cash", "key": "p1"},
        _spend(a, "a2", "200.00"),
    ]
    body = authorize_batch(db, spends).body
    outcomes = [r["outcome"] for r in body["results"]]
    assert outcomes == [
        "authorized",
        "authorized",
        "declined",
        "error",
        "error",
        "declined",
        "authorized",
    ]
    assert [r["index"] for r in body["results"]] == list(range(7))
    assert (body["authorized"], body["declined"], body["error"]) == (3, 2, 2)
    results = body["results"]
    assert results[2]["hold"]["reasons"][0]["code"] == "insufficient_available"
    assert results[3]["error"]["code"] == "resource_missing"
    assert results[3]["error"]["param"] == "line"
    assert results[4]["error"]["param"] == "amount"
    assert results[5]["hold"]["reasons"][0]["code"] == "purpose_forbidden"
    for r in (results[0], results[1], results[6]):
        assert r["hold"]["status"] == "authorized"
        assert r["hold"]["risk"]["outcome"] == "approve"
    assert _balances(db, a)["held"] == "300.00"
    assert _balances(db, b)["held"] == "40.00"
    assert verify_ledger(db).ok


def test_keys_replay_alone_and_in_a_batch(db: SqlDatabase) -> None:
    _, line = active_line(db, limit="100.00")
    first = authorize_batch(db, [_spend(line, "k1", "30.00"), _spend(line, "k2", "30.00")]).body
    again = authorize_batch(db, [_spend(line, "k2", "30.00"), _spend(line, "k3", "30.00")]).body
    assert again["results"][0]["hold"] == first["results"][1]["hold"]
    alone = authorize(db, line, amount="30.00", purpose="procurement", key="k1")
    assert alone.body == first["results"][0]["hold"]
    reused = authorize_batch(db, [_spend(line, "k1", "31.00")]).body["results"][0]
    assert reused["outcome"] == "error"
    assert reused["error"]["code"] == "idempotency_key_reused"
    assert _balances(db, line)["held"] == "90.00"
    # a key twice in one batch: the second replays the first
    twice = authorize_batch(db, [_spend(line, "k9", "1.00"), _spend(line, "k9", "1.00")]).body
    assert twice["results"][0]["hold"] == twice["results"][1]["hold"]
    assert _balances(db, line)["held"] == "91.00"


def test_spends_of_one_line_keep_the_batch_order(db: SqlDatabase) -> None:
    _, hot = active_line(db, "大商家", limit="100.00")
    _, other = active_line(db, "小店", limit="100.00")
    spends = [_spend(hot if i % 3 else other, f"s{i}", "9.00") for i in range(30)]
    results = authorize_batch(db, spends).body["results"]
    hot_outcomes = [r["outcome"] for r in results if r["line"] == hot]
    # 100.00 / 9.00: the first 11 spends of the hot line pass, in the batch's order
    assert hot_outcomes == ["authorized"] * 11 + ["declined"] * (len(hot_outcomes) - 11)
    assert verify_ledger(db).ok


def test_the_batch_itself_is_checked(db: SqlDatabase) -> None:
    with pytest.raises(InvalidInput) as empty:
        authorize_batch(db, [])
    assert empty.value.param == "spends"
    with pytest.raises(InvalidInput) as big:
        authorize_batch(db, [_spend("line_x", f"k{i}") for i in range(1001)])
    assert big.value.param == "spends"
    results = authorize_batch(db, ["not an object", {"amount": "1"}]).body["results"]  # type: ignore[list-item]
    assert [r["error"]["param"] for r in results] == ["spend", "line"]


def test_cli_authorize_batch_prints_each_answer_after_its_commit(db_url: str) -> None:
    db = make_db(db_url)
    _, line = active_line(db, limit="1000.00")
    db.dispose()
    rows = [json.dumps(_spend(line, f"c{i}", "300.00")) for i in range(4)] + ["not json"]
    stdin = "\n".join(rows) + "\n"
    done = run_command(
        ["--db", db_url, "spend", "authorize-batch", "-", "--batch-size", "2", "--json"],
        stdin=stdin,
    )
    assert done.returncode == 2, done.stderr  # a line of bad input: exit 2
    printed = [json.loads(x) for x in done.stdout.splitlines()]
    results, summary = printed[:-1], printed[-1]
    assert [r["outcome"] for r in results] == [
        "authorized",
        "authorized",
        "authorized",
        "declined",
        "error",
    ]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert results[4]["error"]["message"].startswith("spend: line 5")
    assert summary == {
        "object": "batch_summary",
        "count": 5,
        "batches": 3,
        "authorized": 3,
        "review": 0,
        "declined": 1,
        "error": 1,
    }
    # the same file again: every answer replayed, nothing held twice
    again = run_command(
        ["--db", db_url, "spend", "authorize-batch", "-", "--json"], stdin="\n".join(rows[:4])
    )
    assert again.returncode == 3  # a decline, no bad input
    assert [json.loads(x).get("hold") for x in again.stdout.splitlines()[:-1]] == [
        r["hold"] for r in results[:4]
    ]
    table = cli(db_url, "spend", "authorize-batch", "-", check=None)
    assert table.returncode == 2  # nothing on stdin
    db = make_db(db_url)
    assert lines.show_line(db, line).body["held"] == "900.00"
    db.dispose()
