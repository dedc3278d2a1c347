"""A tour of the API's routes beyond lines and webhooks, on SQLite and PostgreSQL: parties,
orders to funds to a withdrawal, a failing channel and its case, policy, risk rules and a
review decision, the calendar and the clock, events and the audit log paged Stripe's way, and
API keys that stop the moment they are revoked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import creditline
from tests.api_helpers import World, make_world

REVIEW_BIG_SPENDS = """name: review-big
thresholds: {review: 60, decline: 90}
rules:
  - name: review_big_spends
    signal: velocity
    when: amount >= 5000
    outcome: review
    reason: big_spend_review
    weight: 10
    message_zh: 大额支付人工审核
    message_en: a big spend is reviewed
"""


@pytest.fixture
def w(db) -> Iterator[World]:
    world = make_world(db)
    yield world
    world.client.close()


def ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


def refused(r: Any, status: int, code: str | None = None) -> None:
    assert r.status_code == status, r.text
    if code is not None:
        assert r.json()["error"]["code"] == code, r.text


def test_a_party_is_added_verified_linked_and_documented(w):
    party = ok(w.post("ops", "/v1/parties", {"kind": "merchant", "name": "新店"}))
    pid = party["id"]
    shopper = {"kind": "consumer", "name": "小李", "credit_score": 720, "income": 800_000}
    assert ok(w.post("ops", "/v1/parties", shopper))["id"].startswith("con_")
    refused(w.post("ops", "/v1/parties", {**shopper, "kind": "merchant"}), 400)
    assert pid.startswith("mer_")
    refused(w.post("alice", "/v1/parties", {"kind": "merchant", "name": "x"}), 403)
    verified = ok(
        w.post(
            "ops",
            f"/v1/parties/{pid}/verify",
            {"real_name": True, "qualification": True, "settlement_account": "6222"},
        )
    )
    assert verified["settlement_account"] == "6222"
    linked = ok(w.post("ops", f"/v1/parties/{pid}/links", {"device": "dev-1", "phone": "138"}))
    assert linked["added"] == 2
    shared = ok(w.post("ops", f"/v1/parties/{w.parties['bob']}/links", {"device": "dev-1"}))
    assert [p["party"] for p in shared["linked_parties"]] == [pid]
    refused(w.post("ops", f"/v1/parties/{pid}/links", {}), 400)
    doc = {"type": "business_licence", "submitted": "2024-04-01", "expires": "2029-04-01"}
    ok(w.post("ops", f"/v1/parties/{pid}/documents", doc))
    refused(w.post("ops", f"/v1/parties/{pid}/documents", {**doc, "type": "x"}), 400)
    violation = ok(w.post("ops", f"/v1/parties/{pid}/violations", {"note": "fake goods"}))
    assert ok(w.get("ops", f"/v1/parties/{pid}"))["open_violations"] == 1
    closed = ok(w.post("ops", f"/v1/violations/{violation['id']}/close"))
    assert closed["status"] == "closed"
    assert ok(w.get("risk", f"/v1/parties/{pid}"))["open_violations"] == 0
    # A holder reads its own party, not another's, and cannot verify itself.
    alice = w.parties["alice"]
    assert ok(w.get("alice", f"/v1/parties/{alice}"))["id"] == alice
    refused(w.get("alice", f"/v1/parties/{pid}"), 404, "resource_missing")
    refused(w.post("alice", f"/v1/parties/{alice}/verify", {"real_name": True}), 403)
    login = ok(w.post("alice", f"/v1/parties/{alice}/logins", {"device": "d", "ip": "10.0.0.1"}))
    assert login["risk"]["outcome"] == "approve"
    refused(w.post("alice", f"/v1/parties/{pid}/logins", {"device": "d", "ip": "10.0.0.1"}), 404)


def sell(w: World, *, failures: int = 0) -> None:
    """Alice's 20,000.00 sale on Monday 2 September 2024, split half to her core supplier and
    half to her balance (withdrawable from Tuesday); ``failures`` channel calls fail first."""
    alice = w.parties["alice"]
    ok(w.post("ops", "/v1/clock", {"at": "2024-09-02T11:00:00+08:00"}))
    supplier = {"name": "杭州织造", "tier": "core", "account": "6222-S"}
    sup = ok(w.post("ops", f"/v1/parties/{alice}/suppliers", supplier))["id"]
    ok(w.post("ops", f"/v1/parties/{alice}/split_rule", {"rule": f"supplier:{sup}:50,merchant:50"}))
    ok(w.post("ops", "/v1/orders", {"merchant": alice, "order": "TB1", "amount": 2_000_000}))
    ok(w.post("alice", "/v1/orders/TB1/ship"))
    ok(w.post("ops", "/v1/orders/TB1/confirm"))
    if failures:
        body = {"count": failures, "error": "insufficient_balance"}
        ok(w.post("ops", "/v1/sandbox/payout_failures", body))
    split = ok(w.post("ops", "/v1/jobs/run_due"))["splits"][0]
    assert split["proceeds"] == 2_000_000


def test_orders_are_the_merchants_own_and_split_by_the_rule_operations_set(w):
    alice = w.parties["alice"]
    supplier = {"name": "杭州织造", "tier": "core", "account": "6222-S"}
    refused(w.post("alice", f"/v1/parties/{alice}/suppliers", supplier), 403)
    refused(w.post("alice", f"/v1/parties/{alice}/split_rule", {"rule": "merchant:100"}), 403)
    refused(w.post("ops", f"/v1/parties/{alice}/split_rule", {"rule": "merchant:90"}), 400)
    order = {"merchant": alice, "order": "TB1", "amount": 2_000_000}
    # The marketplace reports sales and receipts; a merchant's own word would invent them.
    refused(w.post("alice", "/v1/orders", order), 403)
    refused(w.post("bob", "/v1/orders", order), 403)
    created = ok(w.post("ops", "/v1/orders", order, **{"Idempotency-Key": "o-1"}))
    assert (created["amount"], created["currency"], created["state"]) == (2_000_000, "CNY", "paid")
    assert ok(w.post("ops", "/v1/orders", order, **{"Idempotency-Key": "o-1"})) == created
    refused(w.post("alice", "/v1/orders/TB1/confirm"), 403)
    refused(w.post("ops", "/v1/orders/TB1/confirm"), 402, "order_not_shipped")
    refused(w.get("bob", "/v1/orders/TB1"), 404)
    refused(w.post("bob", "/v1/orders/TB1/ship"), 404)
    refused(w.post("risk", "/v1/orders/TB1/ship"), 403)
    assert ok(w.get("ops", "/v1/orders/TB1"))["merchant"] == alice
    # An order named like bob's party is still alice's, and only alice's.
    named = {"merchant": alice, "order": w.parties["bob"], "amount": 100}
    ok(w.post("ops", "/v1/orders", named))
    refused(w.get("bob", f"/v1/orders/{w.parties['bob']}"), 404)
    assert ok(w.get("alice", f"/v1/orders/{w.parties['bob']}"))["merchant"] == alice


def test_a_failing_channel_opens_a_case_that_operators_work(w):
    sell(w, failures=3)
    refused(w.post("alice", "/v1/sandbox/payout_failures", {"count": 1, "error": "timeout"}), 403)
    for wait in ("10m", "30m"):
        ok(w.post("ops", "/v1/clock", {"advance": wait}))
        ok(w.post("ops", "/v1/jobs/run_due"))
    cases = ok(w.get("ops", "/v1/cases"))
    assert cases["object"] == "list"
    [case] = cases["data"]
    assert case["kind"] == "payout_failed"
    refused(w.get("alice", "/v1/cases"), 403)
    refused(w.get("alice", f"/v1/cases/{case['id']}"), 403)
    assigned = ok(w.post("risk", f"/v1/cases/{case['id']}/assign", {"to": "ops", "note": "yours"}))
    assert assigned["assignee"] == "ops"
    refused(w.post("root", f"/v1/cases/{case['id']}/close", {"note": "x"}), 403)
    refused(w.post("ops", f"/v1/cases/{case['id']}/close", {}), 400)
    closed = ok(w.post("ops", f"/v1/cases/{case['id']}/close", {"note": "paid on retry"}))
    assert closed["status"] == "closed"
    history = ok(w.get("ops", f"/v1/cases/{case['id']}"))["history"]
    assert [s["by"] for s in history][-2:] == ["risk", "ops"]
    refused(w.get("ops", "/v1/cases/case_nothing"), 404)


def test_settled_money_is_withdrawn_and_paid_out(w):
    alice = w.parties["alice"]
    sell(w)
    ok(w.post("ops", "/v1/clock", {"at": "2024-09-03T11:00:00+08:00"}))
    funds = ok(w.get("alice", f"/v1/parties/{alice}/funds"))
    assert funds["merchant_balance"] == 1_000_000
    refused(w.get("bob", f"/v1/parties/{alice}/funds"), 404)
    withdrawal = {"amount": 100_000, "currency": "CNY"}
    path = f"/v1/parties/{alice}/withdrawals"
    refused(w.post("bob", path, withdrawal), 404)
    refused(w.post("alice", path, {"amount": 1, "currency": "USD"}), 400)
    paid = ok(w.post("alice", path, withdrawal, **{"Idempotency-Key": "w-1"}))
    assert (paid["amount"], paid["status"]) == (100_000, "pending")
    assert ok(w.post("alice", path, withdrawal, **{"Idempotency-Key": "w-1"}))["id"] == paid["id"]
    ok(w.post("ops", "/v1/jobs/run_due"))

    mine = ok(w.get("alice", f"/v1/parties/{alice}/payouts", params={"limit": 1}))
    assert mine["has_more"] is True
    after = mine["data"][0]["id"]
    rest = ok(w.get("alice", f"/v1/parties/{alice}/payouts", params={"starting_after": after}))
    payouts = mine["data"] + rest["data"]
    assert paid["id"] in {p["id"] for p in payouts}
    assert {p["status"] for p in payouts} == {"paid"}
    refused(w.get("bob", f"/v1/parties/{alice}/payouts"), 404)
    refused(w.get("alice", "/v1/payouts"), 403)
    every = ok(w.get("ops", "/v1/payouts", params={"party": alice, "limit": 100}))
    assert every["data"] == payouts
    refused(w.get("ops", "/v1/payouts?starting_after=po_nothing"), 404)
    assert ok(w.get("ops", "/v1/reconciliation?day=2024-09-03"))["ok"] is True
    refused(w.get("alice", "/v1/reconciliation?day=2024-09-03"), 403)
    assert ok(w.get("ops", "/v1/ledger/verify"))["ok"] is True
    refused(w.get("alice", "/v1/ledger/verify"), 403)


def test_a_return_is_the_merchants_own(w):
    alice = w.parties["alice"]
    ok(
        w.post(
            "ops",
            "/v1/orders",
            {"merchant": alice, "order": "VC1", "amount": 5000, "no_shipping": True},
        )
    )
    ok(w.post("ops", "/v1/orders/VC1/confirm"))
    refused(w.post("bob", "/v1/orders/VC1/return", {"amount": 1000}), 404)
    returned = ok(w.post("alice", "/v1/orders/VC1/return", {"amount": 1000}))
    assert returned["returned"] == 1000


def test_policy_is_changed_by_an_admin_and_read_by_anyone(w):
    change = {"key": "temporary_freeze_hours", "value": "48", "effective": "now", "note": "longer"}
    refused(w.post("ops", "/v1/policy", change), 403)
    refused(w.post("alice", "/v1/policy", change), 403)
    done = ok(w.post("root", "/v1/policy", change))
    assert (done["from"], done["value"]) == ("24", "48")
    assert ok(w.get("alice", "/v1/policy"))["values"]["temporary_freeze_hours"]["value"] == "48"
    before = ok(w.get("ops", "/v1/policy", params={"at": "2024-04-01T00:00:00+08:00"}))
    assert before["values"]["temporary_freeze_hours"]["value"] == "24"
    refused(w.post("root", "/v1/policy", {**change, "effective": "2020-01-01T00:00:00+08:00"}), 400)
    refused(w.post("root", "/v1/policy", {**change, "key": "nothing"}), 400)


def test_risk_rules_are_loaded_by_risk_and_a_held_spend_is_decided(w):
    refused(w.post("ops", "/v1/risk/rules", {"text": REVIEW_BIG_SPENDS}), 403)
    refused(w.post("risk", "/v1/risk/rules", {"text": "rules: ["}), 400)
    loaded = ok(w.post("risk", "/v1/risk/rules", {"text": REVIEW_BIG_SPENDS, "note": "big"}))
    assert loaded["version"] == 1
    assert ok(w.get("ops", "/v1/risk/rules"))["name"] == "review-big"
    assert ok(w.get("ops", "/v1/risk/rules?version=0"))["version"] == 0
    refused(w.get("alice", "/v1/risk/rules"), 403)
    assert "amount" in {f["name"] for f in ok(w.get("risk", "/v1/risk/features"))["features"]}
    hold = ok(
        w.post(
            "bob",
            f"/v1/lines/{w.lines['bob']}/authorizations",
            {"amount": 1_000_000, "currency": "CNY", "purpose": "procurement"},
        )
    )
    assert hold["risk"]["outcome"] == "review"
    queue = ok(w.get("risk", "/v1/risk/queue"))
    [held] = queue["data"]
    assert (held["subject"], held["amount"]) == (hold["id"], 1_000_000)
    refused(w.get("bob", "/v1/risk/queue"), 403)
    verdict = {"verdict": "approve", "note": "known customer"}
    refused(w.post("ops", f"/v1/risk/decisions/{held['id']}", verdict), 403)
    refused(w.post("risk", f"/v1/risk/decisions/{held['id']}", {"verdict": "maybe"}), 400)
    decided = ok(w.post("risk", f"/v1/risk/decisions/{held['id']}", verdict))
    assert (decided["review"], decided["decided_by"]) == ("approved", "risk")
    assert ok(w.get("risk", "/v1/risk/queue"))["data"] == []
    backtest = ok(
        w.post("risk", "/v1/risk/backtests", {"text": REVIEW_BIG_SPENDS, "start": "2024-01-01"})
    )
    assert backtest["decisions"] >= 1
    refused(w.post("risk", "/v1/risk/backtests", {"text": REVIEW_BIG_SPENDS, "end": "soon"}), 400)
    refused(w.post("ops", "/v1/risk/backtests", {"text": REVIEW_BIG_SPENDS}), 403)
    assert ok(w.post("risk", "/v1/risk/rings/run"))["count"] == 0
    refused(w.post("ops", "/v1/risk/rings/run", {}), 403)


def test_the_learned_model_is_shown_to_operators_and_loaded_by_risk(w):
    card = ok(w.get("ops", "/v1/risk/models"))
    assert (card["version"], card["kind"], card["live"]) == (0, "lightgbm", True)
    assert max(card["trained_on"]["seeds"]) < 1000  # never an evaluation seed
    refused(w.get("alice", "/v1/risk/models"), 403)
    refused(w.post("risk", "/v1/risk/models", {"document": "{not json"}), 400)
    refused(w.post("ops", "/v1/risk/models", {"document": "{}"}), 403)
    from creditline.adapters.db.repos.rules_sql import shipped_model_text

    loaded = ok(
        w.post("risk", "/v1/risk/models", {"document": shipped_model_text(), "note": "again"})
    )
    assert (loaded["version"], loaded["live"]) == (1, True)
    both = ok(w.post("risk", "/v1/risk/backtests", {"text": REVIEW_BIG_SPENDS, "model": "live"}))
    assert both["model"] == 1
    refused(w.post("risk", "/v1/risk/backtests", {"text": REVIEW_BIG_SPENDS, "model": "x"}), 400)


def test_the_calendar_and_the_sandbox_clock(w):
    day = ok(w.get("alice", "/v1/calendar/next_working_day", params={"day": "2024-09-30"}))
    assert day["date"] == "2024-10-08"  # 国庆节
    refused(w.get("alice", "/v1/calendar/next_working_day", params={"day": "30/09"}), 400)
    notice = {
        "year": 2031,
        "holidays": [{"name": "春节", "from": "2031-01-22", "to": "2031-01-28"}],
        "workdays": [{"name": "春节调休", "date": "2031-01-19"}],
        "source": "国办发明电〔2030〕1号",
    }
    refused(w.post("ops", "/v1/calendar", notice), 403)
    loaded = ok(w.post("root", "/v1/calendar", notice))
    assert (loaded["loaded"], loaded["source"]) == (8, notice["source"])
    after = ok(w.get("ops", "/v1/calendar/next_working_day", params={"day": "2031-01-21"}))
    assert after["date"] == "2031-01-29"
    both = {**notice, "workdays": [{"name": "x", "date": "2031-01-22"}]}
    refused(w.post("root", "/v1/calendar", both), 400)
    refused(w.post("root", "/v1/calendar", {**notice, "year": 2032}), 400)
    assert ok(w.get("bob", "/v1/clock"))["sandbox"] is True
    refused(w.post("ops", "/v1/clock", {}), 400)
    refused(w.post("ops", "/v1/clock", {"at": "2024-06-01T10:00:00+08:00", "advance": "1d"}), 400)
    refused(w.post("risk", "/v1/clock", {"advance": "1d"}), 403)
    moved = ok(w.post("ops", "/v1/clock", {"advance": "1d"}))
    assert moved["now"] == "2024-05-02T10:00:00+08:00"
    refused(w.post("ops", "/v1/clock", {"at": "2024-05-01T10:00:00+08:00"}), 402)


def test_events_are_paged_with_has_more_and_starting_after(w):
    for note in ("a", "b", "c"):
        ok(w.post("ops", f"/v1/lines/{w.lines['alice']}/freezes", {"reason": "risk", "note": note}))
    everything = ok(w.get("ops", "/v1/events?limit=100"))["data"]
    assert len(everything) >= 5
    seen: list[Any] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor is not None:
            params["starting_after"] = cursor
        got = ok(w.get("ops", "/v1/events", params=params))
        assert got["object"] == "list"
        seen += got["data"]
        if not got["has_more"]:
            break
        assert len(got["data"]) == 3
        cursor = got["data"][-1]["id"]
    assert seen == everything
    first = everything[0]["id"]
    assert (
        ok(w.get("ops", f"/v1/events?starting_after=evt_{first}&limit=100"))["data"]
        == everything[1:]
    )
    frozen = ok(w.get("risk", "/v1/events", params={"type": "freeze.added"}))["data"]
    assert [e["type"] for e in frozen] == ["freeze.added"] * 3
    refused(w.get("ops", "/v1/events?starting_after=yesterday"), 400)
    refused(w.get("ops", "/v1/events?limit=101"), 400)
    refused(w.get("alice", "/v1/events"), 403)


def test_an_api_key_is_shown_once_and_a_revoked_key_stops_at_once(w):
    body = {"party": w.parties["alice"]}
    refused(w.post("ops", "/v1/api_keys", body), 403)
    made = ok(w.post("root", "/v1/api_keys", body, **{"Idempotency-Key": "key-1"}))
    secret = made["key"]
    assert secret
    replay = ok(w.post("root", "/v1/api_keys", body, **{"Idempotency-Key": "key-1"}))
    assert (replay["id"], replay["key"]) == (made["id"], None)  # the secret is kept nowhere
    headers = {"Authorization": f"Bearer {secret}"}
    line = f"/v1/lines/{w.lines['alice']}"
    assert w.client.get(line, headers=headers).status_code == 200  # now cached in the app
    listed = ok(w.get("root", "/v1/api_keys?limit=100"))["data"]
    assert made["id"] in {k["id"] for k in listed}
    assert secret not in str(listed)
    refused(w.get("ops", "/v1/api_keys"), 403)
    refused(w.post("ops", f"/v1/api_keys/{made['id']}/revoke"), 403)
    revoked = ok(w.post("root", f"/v1/api_keys/{made['id']}/revoke"))
    assert revoked["active"] is False
    after = w.client.get(line, headers=headers)
    assert after.status_code == 401
    assert after.json()["error"]["type"] == "authentication_error"
    refused(w.post("root", "/v1/api_keys/key_nothing/revoke"), 404)
    refused(w.post("root", "/v1/api_keys", {"party": "mer_nothing"}), 404)
    refused(w.post("root", "/v1/api_keys", {}), 400)


def test_operators_are_added_by_an_admin(w):
    refused(w.post("ops", "/v1/operators", {"name": "risk-li", "role": "risk"}), 403)
    added = ok(w.post("root", "/v1/operators", {"name": "risk-li", "role": "risk"}))
    assert (added["name"], added["role"]) == ("risk-li", "risk")
    refused(w.post("root", "/v1/operators", {"name": "x", "role": "boss"}), 400)
    names = [o["name"] for o in ok(w.get("ops", "/v1/operators?limit=100"))["data"]]
    assert "risk-li" in names
    refused(w.get("alice", "/v1/operators"), 403)
    key = ok(w.post("root", "/v1/api_keys", {"operator": "risk-li"}))["key"]
    shown = w.client.get("/v1/risk/queue", headers={"Authorization": f"Bearer {key}"})
    assert shown.status_code == 200


def test_the_audit_log_shows_who_did_what_with_the_request_id(w):
    r = w.post(
        "root",
        "/v1/policy",
        {"key": "after_sale_days", "value": "10", "effective": "now", "note": "longer returns"},
    )
    ok(r)
    ok(w.post("risk", "/v1/risk/rules", {"text": REVIEW_BIG_SPENDS, "note": "big"}))
    ok(w.post("ops", "/v1/jobs/run_due"))
    ok(w.post("root", "/v1/operators", {"name": "ops-wang", "role": "operations"}))
    refused(w.get("ops", "/v1/audit"), 403)
    refused(w.get("alice", "/v1/audit"), 403)
    records = ok(w.get("root", "/v1/audit?limit=100"))["data"]
    acts = [(a["actor"], a["action"]) for a in records]
    assert acts == [
        ("root", "policy.write"),
        ("risk", "risk.rules"),
        ("ops", "jobs.run"),
        ("root", "keys.write"),
    ]
    assert records[0]["note"] == "longer returns"
    assert records[0]["request_id"] == r.headers["Request-Id"]
    page1 = ok(w.get("risk", "/v1/audit?limit=2"))
    assert page1["has_more"] is True
    page2 = ok(w.get("risk", f"/v1/audit?limit=2&starting_after={page1['data'][-1]['id']}"))
    assert page1["data"] + page2["data"] == records
    assert page2["has_more"] is False
    mine = ok(w.get("root", "/v1/audit?actor=risk"))["data"]
    assert [a["action"] for a in mine] == ["risk.rules"]
    assert creditline.list_audit(w.db).body["data"][-1]["action"] == "keys.write"
