"""``POST /v1/authorizations/batch``: up to 1,000 spends, one commit, each its own status."""

from __future__ import annotations

from typing import Any

from creditline.adapters.db.database import SqlDatabase
from tests.api_helpers import make_world


def _item(line: str, key: str, amount: int = 1000, **extra: Any) -> dict[str, Any]:
    return {
        "line": line,
        "amount": amount,
        "purpose": "procurement",
        "idempotency_key": key,
        **extra,
    }


def test_batch_answers_each_spend_with_its_own_status(db: SqlDatabase) -> None:
    w = make_world(db)
    alice, bob = w.lines["alice"], w.lines["bob"]
    items = [
        _item(alice, "a1", 10_000, order="o-1"),
        _item(bob, "b1", 20_000),
        _item(alice, "a2", 10**13),  # over the largest single spend: 402 with reasons
        _item("line_0000000000000000", "x1"),
        _item(alice, "a3", currency="USD"),
        {**_item(alice, "a4"), "purpose": "transfer_bank"},
    ]
    r = w.post("ops", "/v1/authorizations/batch", {"authorizations": items})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [d["status"] for d in body["data"]] == [200, 200, 402, 404, 400, 402]
    assert (body["authorized"], body["declined"], body["error"]) == (2, 2, 2)
    first = body["data"][0]["authorization"]
    assert first["amount"] == 10_000
    assert first["status"] == "authorized"
    assert body["data"][2]["reasons"][0]["code"] == "single_spend_limit"
    assert body["data"][4]["error"]["param"] == "currency"
    # the same key alone replays the batch's answer
    alone = w.post(
        "ops",
        f"/v1/lines/{alice}/authorizations",
        {"amount": 10_000, "purpose": "procurement", "order": "o-1"},
        **{"Idempotency-Key": "a1"},
    )
    assert alone.status_code == 200
    assert alone.json()["id"] == first["id"]
    again = w.post("ops", "/v1/authorizations/batch", {"authorizations": items[:1]}).json()
    assert again["data"][0]["authorization"]["id"] == first["id"]


def test_a_holder_batches_only_its_own_lines(db: SqlDatabase) -> None:
    w = make_world(db)
    items = [_item(w.lines["alice"], "h1"), _item(w.lines["bob"], "h2")]
    r = w.post("alice", "/v1/authorizations/batch", {"authorizations": items})
    assert r.status_code == 404  # bob's line: the whole batch, nothing written
    assert r.json()["error"]["param"] == "authorizations[1].line"
    assert w.get("alice", f"/v1/lines/{w.lines['alice']}").json()["held"] == 0
    body = w.post("alice", "/v1/authorizations/batch", {"authorizations": items[:1]}).json()
    assert [d["status"] for d in body["data"]] == [200]
    assert w.post("risk", "/v1/authorizations/batch", {"authorizations": items}).status_code == 403


def test_the_batch_shape_is_checked(db: SqlDatabase) -> None:
    w = make_world(db)
    line = w.lines["alice"]
    empty = w.post("ops", "/v1/authorizations/batch", {"authorizations": []})
    assert empty.status_code == 400
    big = [_item(line, f"k{i}") for i in range(1001)]
    assert w.post("ops", "/v1/authorizations/batch", {"authorizations": big}).status_code == 400
    nokey = {"line": line, "amount": 100, "purpose": "procurement"}
    r = w.post("ops", "/v1/authorizations/batch", {"authorizations": [nokey]})
    assert r.status_code == 400
    assert "idempotency_key" in r.json()["error"]["param"]
    full = [_item(line, f"f{i}", 100) for i in range(1000)]
    ok = w.post("ops", "/v1/authorizations/batch", {"authorizations": full}).json()
    assert ok["authorized"] == 1000
