"""The risk use cases in process (the CLI story is in test_risk.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.errors import InvalidInput, NotFound
from creditline.service import sandbox_clock as clock
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from creditline.service.risk import labels as risk_eval
from creditline.service.risk import ring_job as rings_uc
from creditline.service.risk import rule_sets as risk_rules
from creditline.service.risk import scoring as risk

REVIEW_ALL = """name: strict
thresholds: {review: 10, decline: 95}
rules:
  - name: any_spend
    signal: velocity
    outcome: approve
    reason: any_spend
    weight: 10
    when: amount > 0
  - name: login_seen
    signal: account
    events: [login]
    outcome: decline
    reason: blocked_login
    weight: 100
    when: device_new
"""


def _line(db: SqlDatabase, name: str) -> tuple[str, str]:
    m = parties.add_party(db, kind="merchant", name=name).body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="6222")
    line = lines.open_line(db, m, product="merchant_bnpl", limit="100000.00").body["id"]
    lines.activate_line(db, line)
    return m, line


def test_a_loaded_rule_set_reviews_spends_and_blocks_logins(db: SqlDatabase) -> None:
    m, line = _line(db, "甲")
    quiet = spending.authorize(db, line, amount="10.00", purpose="procurement", key="k0")
    assert quiet.body["risk"]["decision"] is None  # nothing to say: features stay on the hold
    loaded = risk_rules.load_rules(db, REVIEW_ALL, note="strict week", key="rules-1")
    assert loaded.body["version"] == 1
    assert risk_rules.load_rules(db, REVIEW_ALL, note="strict week", key="rules-1").body == (
        loaded.body
    )
    shown = risk_rules.show_rules(db).body
    assert shown["live"] is True
    assert [v["version"] for v in shown["versions"]] == [1]
    with pytest.raises(NotFound):
        risk_rules.show_rules(db, version=7)
    assert {f["name"] for f in risk_rules.features().body["features"]} >= {"amount", "device_new"}

    held = spending.authorize(db, line, amount="20.00", purpose="procurement", key="k1").body
    assert held["status"] == "review"
    assert held["risk"]["notice"]["code"] == "risk_review"
    why = spending_why(db, line)
    assert [w["code"] for w in why["warnings"]] == ["risk_review"]
    pending = risk.queue(db).body["pending"]
    assert [p["subject"] for p in pending] == [held["id"]]
    approved = risk.decide(db, pending[0]["id"], verdict="approve", by="ops", note="ok").body
    assert approved["review"] == "approved"
    assert approved["hold_status"] == "authorized"
    captured = spending.capture(db, held["id"], amount=None, key="c1").body
    assert captured["status"] == "captured"
    with pytest.raises(InvalidInput):
        risk.decide(db, pending[0]["id"], verdict="maybe", by="ops", note="")
    with pytest.raises(InvalidInput):
        risk.decide(db, "rd_nope", verdict="approve", by="ops", note="")
    with pytest.raises(InvalidInput):
        risk.queue(db, limit=0)

    login = risk.record_login(db, m, device="new-phone", ip="1.2.3.4")
    assert login.refused
    assert login.body["risk"]["outcome"] == "decline"
    assert "reasons" not in login.body["risk"]  # the rule stays with the operators
    assert _decision(db, login.body["risk"]["decision"]).reasons[0]["code"] == "blocked_login"
    with pytest.raises(InvalidInput):
        risk.record_login(db, m, device="", ip="1.2.3.4")
    with pytest.raises(InvalidInput):
        risk.link(db, m, {"device": None, "phone": None})

    # The backtest of the default rules against this history: decisions change, nothing is
    # written, and the operator's approval counts as a cleared label.
    report = risk_rules.backtest(db, risk_rules_default(), progress=lambda _i, _n: None).body
    assert report["decisions"] >= 3
    assert report["changed"] >= 1
    assert report["before"]["labelled"] == 1
    assert risk.queue(db).body["count"] == 0
    with pytest.raises(InvalidInput):
        risk_rules.backtest(db, "")


def _decision(db: SqlDatabase, decision_id: str) -> Any:
    with db.transaction(write=False) as uow:
        return next(d for d in uow.risk.decisions_between(None, None) if d.id == decision_id)


def spending_why(db: SqlDatabase, line: str) -> dict:
    from creditline.service.quota.why import why

    return why(db, line, amount="5.00", purpose="procurement", lang="en").body


def risk_rules_default() -> str:
    from creditline.adapters.db.repos.rules_sql import default_rules_text

    return default_rules_text()


def test_a_ring_is_found_once_and_scored_against_labels(db: SqlDatabase) -> None:
    a, line_a = _line(db, "甲")
    b, line_b = _line(db, "乙")
    honest, _ = _line(db, "丙")
    for p in (a, b):
        risk.link(db, p, {"device": "farm-1", "phone": "139"})
    risk.link(db, honest, {"device": "own"})
    for i, line in enumerate((line_a, line_b, line_a)):
        for k in ("withdraw_cash", "transfer_bank"):
            spending.authorize(db, line, amount="50.00", purpose=k, key=f"f{i}{k}")
        clock.advance_clock(db, "1h")
    found = rings_uc.rings(db).body
    assert found["count"] == 1
    ring = found["rings"][0]
    assert ring["members"] == sorted([a, b])
    assert ring["pattern"] == "forbidden_purpose"
    assert ring["new"] is True
    assert rings_uc.rings(db).body["cases_opened"] == 0
    labels = [
        ("party", a, "fraud", "forbidden_purpose", "r1"),
        ("party", b, "fraud", "forbidden_purpose", "r1"),
        ("party", honest, "cleared", None, None),
    ]
    assert risk_eval.store_labels(db, labels, source="test") == 3
    scores = risk_eval.evaluate(db, found["rings"]).body
    assert scores["rings"]["forbidden_purpose"] == {
        "rings": 1,
        "found": 1,
        "recall": 1.0,
        "named": 1,
        "precision": 1.0,
    }
    assert scores["rings"]["_all"]["false_rings"] == 0


def test_window_counts_from_running_totals_equal_a_full_scan(db: SqlDatabase) -> None:
    """The features read two index seeks per window; a brute-force count over every hold of
    the line must agree, whatever the mix of spends, declines and times."""
    import random
    from datetime import timedelta

    from creditline.domain.money import Money

    _, line = _line(db, "丁")
    rng = random.Random(5)
    made: list[tuple[object, int, str, bool]] = []  # (time, amount, purpose, spent)
    refused_by_rules: set[int] = set()  # attempts the quota rules refused (not the risk rules)
    for i in range(60):
        clock.advance_clock(db, rng.choice(["1m", "20m", "3h", "1d", "5d"]))
        purpose = rng.choice(["procurement", "procurement", "logistics", "withdraw_cash"])
        amount = rng.choice(["100.00", "45000.00", "49999.99", "60000.00", "150000.00"])
        body = spending.authorize(
            db, line, amount=amount, purpose=purpose, key=f"w{i}", counterparty="sup-9"
        ).body
        with db.transaction(write=False) as uow:
            now = uow.reference.now()
        made.append((now, Money.parse(amount).minor, purpose, body["status"] != "declined"))
        if any(r["code"] != "risk_declined" for r in body["reasons"]):
            refused_by_rules.add(i)
        if body["status"] in {"authorized", "review"}:
            spending.void(db, body["id"], key=f"v{i}")
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        locked = uow.lines.read_line(line)
        hist = uow.risk.history_features(line_id=line, party_id=locked.state.party_id, now=now)

    def count(delta: timedelta, want: object) -> int:
        return sum(1 for t, a, p, s in made if t >= now - delta and want(a, p, s))  # type: ignore[operator]

    windows = [timedelta(hours=1), timedelta(days=1), timedelta(days=7), timedelta(days=30)]
    assert list(hist.spend_counts) == [count(w, lambda a, p, s: s) for w in windows]
    assert list(hist.spend_sums) == [
        sum(a for t, a, p, s in made if t >= now - w and s)
        for w in windows  # type: ignore[operator]
    ]
    assert hist.declined_24h == count(windows[1], lambda a, p, s: not s)
    assert hist.forbidden_7d == count(windows[2], lambda a, p, s: p == "withdraw_cash")
    assert hist.spends_with_counterparty_30d == count(windows[3], lambda a, p, s: s)
    # A refused attempt retried is one spend, not a split: it is no attempt near the threshold.
    near = sum(
        1
        for i, (t, a, _, _) in enumerate(made)
        if t >= now - windows[1] and 45_000_00 <= a < 50_000_00 and i not in refused_by_rules  # type: ignore[operator]
    )
    assert hist.near_threshold_24h == near


def test_a_withdrawal_after_money_came_back_is_declined(db: SqlDatabase) -> None:
    from creditline.service.settlement import funds
    from creditline.service.settlement import order_flow as orders

    a, line_a = _line(db, "甲")
    b, _ = _line(db, "乙")
    risk.link(db, a, {"address": "same-mall"})
    risk.link(db, b, {"address": "same-mall"})
    # A weak link (an address) does not stop the spend ...
    spent = spending.authorize(
        db, line_a, amount="3000.00", purpose="procurement", key="s1", counterparty=b
    ).body
    assert spent["status"] == "authorized"
    # ... but the money coming back from the payee marks the withdrawal.
    orders.add_order(db, a, order_id="BACK1", amount="2900.00", buyer=b)
    refused = funds.withdraw(db, a, amount="100.00", key="w1")
    assert refused.refused
    reason = refused.body["reasons"][0]
    assert reason["code"] == "risk_declined"
    assert "cashout" not in str(reason)  # the holder is told what to do, never the rule
    with db.transaction(write=False) as uow:
        codes = {r["code"] for d in uow.risk.decisions_between(None, None) for r in d.reasons}
    assert "cashout_money_back" in codes
    empty = funds.withdraw(db, b, amount="100.00", key="w2")  # no balance: the book refuses
    assert empty.refused
    assert empty.body["reasons"][0]["code"] == "insufficient_balance"
