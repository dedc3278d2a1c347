"""The risk use cases in process (the CLI story is in test_risk.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from creditline.adapters.db.store import SqlDatabase
from creditline.domain.errors import InvalidInput, NotFound
from creditline.service import clock, lines, parties, risk, risk_eval, risk_rules, spending
from creditline.service import rings as rings_uc

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
    assert login.body["risk"]["reasons"][0]["code"] == "blocked_login"
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


def spending_why(db: SqlDatabase, line: str) -> dict:
    from creditline.service.diagnosis import why

    return why(db, line, amount="5.00", purpose="procurement", lang="en").body


def risk_rules_default() -> str:
    from creditline.adapters.db.risk_store import default_rules_text

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
