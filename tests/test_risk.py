"""The risk engine (风控) and cash-out (套现) detection, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from creditline.adapters.db.repos.rules_sql import default_rules_text
from creditline.domain.errors import InvalidInput
from creditline.domain.risk.rings import Flow, find_rings
from creditline.domain.risk.rules import Outcome, blank_features, parse_rule_set
from creditline.service.risk.rule_sets import metrics
from tests.helpers import js

RULE = """name: candidate
thresholds: {review: 60, decline: 90}
rules:
  - name: big
    signal: velocity
    outcome: review
    reason: big_spend
    weight: 10
    when: amount >= 500
"""


def test_the_default_rule_set_parses_and_a_clean_spend_is_approved() -> None:
    rules = parse_rule_set(default_rules_text())
    f = blank_features()
    f.update(event="spend", amount=Decimal("100.00"), large_spend_threshold=Decimal(50000))
    f["account_age_days"] = Decimal(30)
    verdict = rules.evaluate(f)
    assert verdict.outcome is Outcome.APPROVE
    assert verdict.fired == ()


@pytest.mark.parametrize(
    ("when", "where", "what"),
    [
        ("amount >= ", "line 9, column 20", "syntax error"),
        ("amount >= 3 and bogus_feature", "line 9, column 27", "unknown feature 'bogus_feature'"),
        ("purpose > 3", "line 9, column 11", "data type mismatch"),
        ("amount", "line 9, column 11", "true or false"),
    ],
)
def test_a_bad_rule_is_refused_at_load_with_line_and_column(
    when: str, where: str, what: str
) -> None:
    text = RULE.replace("when: amount >= 500", f"when: {when}")
    with pytest.raises(InvalidInput) as err:
        parse_rule_set(text)
    assert err.value.param == "rules"
    assert where in err.value.message
    assert what in err.value.message


def test_python_eval_is_not_how_conditions_run() -> None:
    text = RULE.replace("when: amount >= 500", "when: __import__('os').system('true') == 0")
    with pytest.raises(InvalidInput):
        parse_rule_set(text)


def test_precision_and_recall_per_pattern_count_what_they_say() -> None:
    rows = [
        (True, "fraud", "threshold_split", {"threshold_split"}),
        (False, "fraud", "threshold_split", set()),
        (True, "cleared", None, {"threshold_split"}),
        (False, "cleared", None, set()),
        (True, None, None, {"velocity"}),  # unlabelled: not counted
    ]
    m = metrics(rows)
    assert m["labelled"] == 4
    assert m["precision"] == 0.5
    assert m["recall"] == 0.5
    assert m["patterns"]["threshold_split"] == {
        "events": 2,
        "caught": 1,
        "recall": 0.5,
        "false_positives": 1,
        "precision": 0.5,
    }


def test_rings_need_money_that_moves_or_attempts_between_linked_parties() -> None:
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2025, 3, 3, 7, tzinfo=UTC)
    ids = [
        ("a", "device", "d1"),
        ("b", "device", "d1"),
        ("c", "address", "mall"),
        ("d", "address", "mall"),  # neighbours: linked, but no money moves between them
        *((f"h{i}", "address", "wifi-hub") for i in range(20)),  # a hub weighs next to nothing
    ]
    flows = [
        Flow("spend", "a", "b", 30_000_00, t0, "hold1", "procurement", "declined"),
        Flow("spend", "a", "b", 30_000_00, t0 + timedelta(hours=2), "hold3", "procurement",
             "captured"),
        Flow("order", "a", "b", 29_000_00, t0 + timedelta(days=1), "o1"),
        Flow("spend", "c", "sup", 1_000_00, t0, "hold2", "procurement", "captured"),
    ]  # fmt: skip
    rings = find_rings(ids, flows, threshold=50_000_00)
    assert [r.members for r in rings] == [["a", "b"]]
    assert rings[0].pattern == "round_trip"
    assert rings[0].evidence["cycle"][0]["spend"] == "hold3"
    assert [e["spend"] for e in rings[0].evidence["linked_attempt"]] == ["hold1", "hold3"]


def _merchant(db_url: str, name: str, *, limit: str = "500000.00") -> tuple[str, str]:
    m = js(db_url, "party", "add", "merchant", "--name", name)["id"]
    js(db_url, "party", "verify", m, "--real-name", "--qualification", "--settlement-account", "6")
    line = js(db_url, "line", "open", m, "--product", "merchant_bnpl", "--limit", limit)["id"]
    js(db_url, "line", "activate", line)
    return m, line


def test_risk_through_the_cli(db_url: str, tmp_path: Path) -> None:  # noqa: PLR0915 - one story
    js(db_url, "init", "--sandbox")
    js(db_url, "clock", "set", "2025-03-03T10:00:00+08:00")
    js(db_url, "operator", "add", "boss", "--role", "admin")
    js(db_url, "operator", "add", "risk-王", "--role", "risk", "--as", "boss")
    shown = js(db_url, "risk", "rules", "show", process=True)  # the real script, once
    assert shown["version"] == 0
    assert shown["live"] is True
    # Two merchants share a phone farm's device: a spend from one to the other is cash-out.
    a, line_a = _merchant(db_url, "甲")
    b, _ = _merchant(db_url, "乙")
    linked = js(db_url, "party", "link", a, "--device", "dev-1", "--phone", "138")
    assert linked["linked_parties"] == []
    linked = js(db_url, "party", "link", b, "--device", "dev-1")
    assert linked["linked_parties"] == [{"party": a, "shared": ["device"]}]
    login = js(db_url, "login", "record", a, "--device", "dev-1", "--ip", "10.0.0.1")
    assert login["device_new"] is True
    assert login["risk"]["outcome"] == "approve"
    ok = js(db_url, "spend", "authorize", line_a, "--amount", "100.00", "--purpose", "procurement",
            "--key", "s1", "--counterparty", "sup-1")  # fmt: skip
    assert ok["status"] == "authorized"
    assert ok["risk"]["outcome"] == "approve"
    bad = js(db_url, "spend", "authorize", line_a, "--amount", "20000.00", "--purpose",
             "procurement", "--key", "s2", "--counterparty", b, check=3)  # fmt: skip
    assert bad["status"] == "declined"
    assert [r["code"] for r in bad["reasons"]] == ["risk_declined"]
    assert bad["reasons"][0]["facts"]["check"] == "verification"  # never the rule (issue 17)
    assert bad["risk"]["action"]["hours"] == 24
    # why tells the holder: the risk freeze, the recent decline, what to do.
    why = js(db_url, "why", line_a, "--amount", "100.00", "--lang", "en", check=0)
    assert [r["code"] for r in why["reasons"]] == ["line_frozen"]
    recent = why["risk"]["recent_declines"]
    assert recent[0]["code"] == "risk_declined"
    assert "cashout_linked_counterparty" not in json.dumps(recent)
    assert recent[0]["action_zh"]
    # Review: after two forbidden-purpose attempts a spend waits for an operator.
    js(db_url, "clock", "advance", "25h")
    for k in ("f1", "f2"):
        js(db_url, "spend", "authorize", line_a, "--amount", "10.00", "--purpose",
           "withdraw_cash", "--key", k, check=3)  # fmt: skip
    js(db_url, "clock", "advance", "25h")
    held = js(db_url, "spend", "authorize", line_a, "--amount", "50.00", "--purpose",
              "logistics", "--key", "r1")  # fmt: skip
    assert held["status"] == "review"
    refused = js(db_url, "spend", "capture", held["id"], "--key", "c1", check=3)
    assert refused["error"]["code"] == "review_pending"
    queue = js(db_url, "risk", "queue")["pending"]
    assert [q["subject"] for q in queue] == [held["id"]]
    # the operator sees the rule that held it, with its weight and the score
    assert queue[0]["reasons"][0]["rule"] == "spends_after_forbidden_attempts"
    assert queue[0]["score"] >= 40
    decided = js(db_url, "risk", "decide", queue[0]["id"], "decline", "--as", "risk-王",
                 "--note", "cash-out pattern")  # fmt: skip
    assert decided["review"] == "declined"
    assert decided["hold_status"] == "declined"
    again = js(db_url, "risk", "decide", queue[0]["id"], "approve", "--as", "risk-王", check=3)
    assert again["error"]["code"] == "review_not_pending"
    assert js(db_url, "line", "show", line_a)["held"] == "100.00"
    assert js(db_url, "ledger", "verify")["ok"] is True
    # Rules load: a bad file is refused with line and column, a good one becomes live.
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(RULE.replace("amount >= 500", "amount >= 5 and nope"), encoding="utf-8")
    err = js(db_url, "risk", "rules", "load", str(bad_file), "--as", "risk-王", check=2)
    assert err["error"]["param"] == "rules"
    assert "line 9, column 27" in err["error"]["message"]
    good = tmp_path / "good.yaml"
    good.write_text(RULE, encoding="utf-8")
    # Backtest first: nothing is written.
    before = js(db_url, "events", "list")
    report = js(db_url, "risk", "backtest", "--rules", str(good))
    assert report["written"] is False
    assert report["decisions"] >= 6
    assert {r["rule"] for r in report["by_rule"]} >= {"big", "spend_to_linked_party"}
    assert report["after"]["labelled"] == 1  # the operator's decline labelled one event
    assert js(db_url, "events", "list") == before
    loaded = js(db_url, "risk", "rules", "load", str(good), "--note", "try", "--as", "risk-王")
    assert loaded["version"] == 1
    assert js(db_url, "risk", "rules", "show")["name"] == "candidate"
    assert js(db_url, "risk", "rules", "show", "--version", "0")["name"] == "default"


def test_the_simulator_measures_each_scheme_and_each_look_alike(db_url: str) -> None:
    """A short run on an evaluation seed (issue 17): per scheme, recall and precision inline
    and by rings; the honest traffic's false declines overall and per look-alike."""
    js(db_url, "init", "--sandbox")
    report = js(db_url, "simulate", "--merchants", "14", "--days", "10", "--seed", "1007",
                "--fraud-rings", "5")  # fmt: skip
    assert report["evaluation_seed"] is True
    assert set(report["schemes"]) == {
        "round_trip", "chain", "fake_orders", "threshold_split", "forbidden_purpose",
    }  # fmt: skip
    for name, p in report["schemes"].items():
        assert {"recall", "precision", "inline", "rings"} <= set(p), name
        assert {"recall", "precision", "review_rate"} <= set(p["inline"]), name
        assert {"recall", "precision"} <= set(p["rings"]), name
    honest = report["honest"]
    assert honest["attempts"] > 100
    assert honest["false_decline_rate"] <= 0.02
    assert set(honest["look_alikes"]) >= {"family", "office", "plain"}
    for kind in honest["look_alikes"].values():
        assert "false_decline_rate" in kind
    cases = js(db_url, "cases", "list")["data"]
    rings = js(db_url, "risk", "rings", "--as", "risk-li")  # the simulator's risk officer
    assert rings["cases_opened"] == 0  # known rings open no second case
    assert sum(1 for c in cases if c["kind"] == "cashout_ring") >= 1
    assert js(db_url, "ledger", "verify")["ok"] is True
