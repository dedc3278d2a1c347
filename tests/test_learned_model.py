"""Issue 17: the learned model beside the rules: fitted on labelled events, versioned, scored
inline into the rules' thresholds, explained to operators by its top factors and to holders
only by what to do; the backtest compares rules, model and both."""

from __future__ import annotations

import json
import random
import time
from decimal import Decimal
from typing import Any

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.repos.rules_sql import default_rules_text, shipped_model_text
from creditline.adapters.risk.learned_model import LearnedModel, parse_document
from creditline.adapters.risk.model_fit import fit_model
from creditline.domain.errors import InvalidInput
from creditline.domain.risk.catalogue import blank_features
from creditline.domain.risk.learned import ModelScore, combine
from creditline.domain.risk.rules import Outcome, Verdict, parse_rule_set
from creditline.service import sandbox_clock as clock
from creditline.service.quota import spending
from creditline.service.risk import model_registry as models
from creditline.service.risk import rule_sets
from creditline.service.risk import scoring as risk
from tests.helpers import active_line, js


def _row(rng: random.Random, fraud: bool) -> tuple[dict[str, Any], int]:
    f = blank_features()
    f.update(
        event="spend",
        party_kind="merchant",
        large_spend_threshold=Decimal(50000),
        amount=Decimal(rng.randint(500, 30000)),
        spend_count_7d=Decimal(rng.randint(0, 10)),
    )
    if fraud:
        f["money_back_share"] = Decimal(rng.randint(70, 99)) / 100
        f["money_back_45d"] = Decimal(rng.randint(5000, 40000))
    else:
        f["money_back_share"] = Decimal(rng.randint(0, 20)) / 100
    return f, int(fraud)


def _fitted() -> dict[str, Any]:
    rng = random.Random(3)
    rows = [_row(rng, i % 5 == 0) for i in range(600)]
    return fit_model(rows, about={"seeds": [1], "test": True})


def test_a_model_fits_on_labelled_events_and_names_the_factors_that_pushed_it() -> None:
    doc = _fitted()
    model = LearnedModel(1, parse_document(json.dumps(doc)))
    rng = random.Random(9)
    fraud, _ = _row(rng, True)
    honest, _ = _row(rng, False)
    high = model.score(fraud, explain_from=60)
    assert high.score >= 90
    assert high.top[0][0] in {"money_back_share", "money_back_45d"}  # the reason, for operators
    low = model.score(honest, explain_from=60)
    assert low.score < 60
    assert low.top == ()  # no explanation computed for an approval


def test_too_few_labels_or_one_class_only_is_refused_naming_the_seeds() -> None:
    rng = random.Random(1)
    with pytest.raises(InvalidInput) as refused:
        fit_model([_row(rng, False) for _ in range(100)], about={})
    assert refused.value.param == "seeds"


def test_the_model_score_meets_the_rule_thresholds_and_the_stronger_verdict_wins() -> None:
    quiet = Verdict(Outcome.APPROVE, 0, (), 0)
    for score, outcome in ((59, Outcome.APPROVE), (60, Outcome.REVIEW), (90, Outcome.DECLINE)):
        v = combine(quiet, ModelScore(3, score, (("money_back_share", 120),)), review_at=60,
                    decline_at=90)  # fmt: skip
        assert v.outcome is outcome
        assert v.score == score
        assert v.fired[0].rule == "model_v3"
        assert v.fired[0].freeze_hours == 0  # a statistical guess freezes nothing
    declined = Verdict(Outcome.DECLINE, 70, (), 0)  # a guardrail rule stays a decline
    assert combine(declined, ModelScore(3, 5), review_at=60, decline_at=90).outcome is (
        Outcome.DECLINE
    )


def test_a_spend_with_no_evidence_of_cash_out_scores_below_review() -> None:
    """Size and volume are not evidence: the model reads none of them."""
    text = shipped_model_text()
    assert text is not None
    doc = parse_document(text)
    assert doc["no_evidence_score"] < 60
    model = LearnedModel(0, doc)
    big = {**blank_features(), "event": "spend", "amount": Decimal(900000),
           "spend_count_24h": Decimal(40), "large_spend_threshold": Decimal(50000)}  # fmt: skip
    assert model.score(big, explain_from=60).score < 60


def test_the_shipped_model_loads_and_scores_one_spend_fast() -> None:
    text = shipped_model_text()
    assert text is not None, "the package ships a model: make model"
    doc = parse_document(text)
    assert max(doc["trained_on"]["seeds"]) < 1000  # never an evaluation seed
    model = LearnedModel(0, doc)
    values = {**blank_features(), "event": "spend", "amount": Decimal(100),
              "large_spend_threshold": Decimal(50000)}  # fmt: skip
    model.score(values, explain_from=60)
    start = time.perf_counter()
    for _ in range(200):
        model.score(values, explain_from=101)
    assert (time.perf_counter() - start) / 200 < 0.005  # well under the spend's own cost


def test_a_loaded_model_goes_live_scores_spends_and_the_holder_never_sees_it(
    db: SqlDatabase,
) -> None:
    clock.set_clock(db, "2025-03-03T10:00:00+08:00")
    loaded = models.load_model(db, json.dumps(_fitted()), note="test").body
    assert loaded["version"] == 1
    assert loaded["live"] is True
    shown = models.show_model(db).body
    assert shown["version"] == 1
    assert [v["version"] for v in shown["versions"]] == [0, 1]
    with pytest.raises(InvalidInput):
        models.load_model(db, "{not json", note="")
    _, line = active_line(db, "甲")
    body = spending.authorize(
        db, line, amount="100.00", purpose="procurement", key="k1", counterparty="sup-1"
    ).body
    assert body["status"] == "authorized"
    assert set(body["risk"]) == {"decision", "outcome"}  # no score, no model, no rules
    # the model's entry is on the approval, for operators and backtests
    with db.transaction(write=False) as uow:
        [d] = [d for d in uow.risk.decisions_between(None, None) if d.subject == body["id"]]
    assert d.reasons[0]["rule"] == "model_v1"


def test_the_backtest_compares_rules_model_and_both(db: SqlDatabase) -> None:
    clock.set_clock(db, "2025-03-03T10:00:00+08:00")
    models.load_model(db, json.dumps(_fitted()), note="test")
    _, line = active_line(db, "甲")
    for i in range(3):
        spending.authorize(db, line, amount="100.00", purpose="procurement", key=f"k{i}",
                           counterparty="sup-1")  # fmt: skip
    body = rule_sets.backtest(db, default_rules_text()).body
    assert body["model"] == 1
    assert set(body["compare"]) == {"rules", "model", "rules+model"}
    off = rule_sets.backtest(db, default_rules_text(), model="none").body
    assert off["compare"] is None
    with pytest.raises(InvalidInput) as bad:
        rule_sets.backtest(db, default_rules_text(), model="newest")
    assert bad.value.param == "model"


def test_a_rule_set_names_its_model() -> None:
    assert parse_rule_set(default_rules_text()).model == "live"
    text = default_rules_text().replace("model: live", "model: 7")
    assert parse_rule_set(text).model == "7"
    with pytest.raises(InvalidInput):
        parse_rule_set(default_rules_text().replace("model: live", "model: newest"))


def test_training_refuses_evaluation_seeds(db_url: str) -> None:
    js(db_url, "init", "--sandbox")
    js(db_url, "operator", "add", "boss", "--role", "admin")
    js(db_url, "operator", "add", "risk-li", "--role", "risk", "--as", "boss")
    err = js(db_url, "risk", "model", "train", "--seeds", "998-1001", "--as", "risk-li", check=2)
    assert err["error"]["param"] == "seeds"


def test_the_queue_shows_the_operator_the_graph_evidence(db: SqlDatabase) -> None:
    clock.set_clock(db, "2025-03-03T10:00:00+08:00")
    a, line_a = active_line(db, "甲")
    b, _ = active_line(db, "乙")
    for party in (a, b):
        risk.link(db, party, {"device": "farm-1"})
    for k in ("f1", "f2"):
        spending.authorize(db, line_a, amount="10.00", purpose="withdraw_cash", key=k)
    clock.set_clock(db, "2025-03-04T11:00:00+08:00")
    held = spending.authorize(
        db, line_a, amount="50.00", purpose="logistics", key="r1", counterparty="sup-9"
    ).body
    assert held["status"] == "review"
    [item] = risk.queue(db).body["pending"]
    assert item["graph"]["links"] == [{"party": b, "strength": "1.00"}]
    assert item["graph"]["ring"] is None


def test_the_plain_python_tree_walk_scores_as_lightgbm_does() -> None:
    """The inline scorer walks the trees itself; on any row it must give LightGBM's answer."""
    import numpy as np

    model = LearnedModel(0, parse_document(shipped_model_text()))
    assert model.trees is not None
    rng = random.Random(18)
    for _ in range(2000):
        row = [
            rng.choice([0.0, -0.0, 1.0, 2.0, rng.random() * 10, float(rng.randint(0, 5000)), 1e-36])
            for _ in model.features
        ]
        ours = model.trees.predict(row)  # the trees compiled to nested ifs
        theirs = float(model.booster.predict(np.array([row]), num_threads=1)[0])
        assert abs(ours - theirs) < 1e-12
        assert model.trees.walk(row) == ours


def test_the_model_text_is_read_without_lightgbm_as_lightgbm_dumps_it() -> None:
    """Scoring reads the trees from the model text (LightGBM is five seconds of imports, so a
    process that only approves never loads it); they are the trees of LightGBM's own dump."""
    from creditline.adapters.risk.learned_model import Trees

    model = LearnedModel(0, parse_document(shipped_model_text()))
    assert model._booster is None  # the walk needed no LightGBM
    read, dumped = model.trees, Trees.of(model.booster.dump_model())
    assert read is not None
    assert dumped is not None
    assert read.sigmoid == dumped.sigmoid
    assert len(read.trees) == len(dumped.trees)
    rng = random.Random(7)
    for _ in range(500):
        row = [rng.choice([0.0, 1.0, rng.random() * 50, 1e-36]) for _ in model.features]
        assert read.predict(row) == dumped.predict(row)
    text = model._text
    assert Trees.parse("not a model") is None
    assert Trees.parse(text.replace("objective=binary", "objective=regression")) is None
    assert Trees.parse(text.replace("decision_type=2", "decision_type=3", 1)) is None  # categorical
