"""Rule sets as versioned documents (风控规则): load, show, and backtest over stored history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.catalogue import FEATURES, restore_features
from creditline.domain.risk.learned import combine
from creditline.domain.risk.metrics import PATTERNS, Replay, Scored, metrics, scored
from creditline.domain.risk.rules import Outcome, Verdict, is_model_spec, parse_rule_set
from creditline.domain.text import MAX_NOTE, printable_text
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer, once
from creditline.service.risk.model_registry import model_seq
from creditline.service.uow import Database, UnitOfWork


def _model_option(text: str) -> str:
    if is_model_spec(text):
        return text
    raise InvalidInput("model", "model must be none, live or a model version number")


#: ``PATTERNS`` and ``metrics`` are re-exported for the simulator and the tests.
__all__ = [
    "MAX_DOCUMENT",
    "PATTERNS",
    "backtest",
    "features",
    "load_rules",
    "metrics",
    "show_rules",
]

MAX_DOCUMENT = 200_000
Progress = Callable[[int, int], None]


def _check_text(text: str) -> str:
    if not text.strip():
        raise InvalidInput("rules", "the rule set is empty")
    if len(text) > MAX_DOCUMENT:
        raise InvalidInput("rules", f"the rule set is longer than {MAX_DOCUMENT} characters")
    return text


def load_rules(db: Database, text: str, *, note: str = "", key: str | None = None) -> Answer:
    """Check a rule set and make it the live one (a new version; older ones stay)."""
    parse_rule_set(_check_text(text))  # refuse before anything is written
    note = printable_text(note, "note", max_length=MAX_NOTE, required=False, strip=True)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        version = uow.rulesets.latest_rule_seq() + 1
        rule_set = parse_rule_set(text, version=version)
        uow.rulesets.insert_rule_set(rule_set, note, now)
        body = {**rule_set.to_json(), "loaded_at": iso_local(now), "note": note}
        uow.events.emit("risk.rules_loaded", {"version": version, "digest": rule_set.digest}, now)
        return Answer(body)

    return once(db, key=key, command="risk.rules.load", params={"text": text}, effect=effect)


def show_rules(db: Database, *, version: int | None = None) -> Answer:
    with db.transaction(write=False) as uow:
        seq = uow.rulesets.latest_rule_seq() if version is None else version
        if seq < 0:
            raise InvalidInput("version", "version must be 0 (the shipped default) or more")
        row = uow.rulesets.rule_set_row(seq)
        rule_set = uow.rulesets.rule_set(seq)
        versions = [
            {"version": r.version, "name": r.name, "digest": r.digest, "note": r.note}
            for r in uow.rulesets.rule_set_rows()
        ]
        return Answer(
            {
                **rule_set.to_json(),
                "live": seq == uow.rulesets.latest_rule_seq(),
                "note": row.note,
                "document": row.document,
                "versions": versions,
            }
        )


def features() -> Answer:
    return Answer(
        {"features": [{"name": n, "meaning": m} for n, (_, m) in sorted(FEATURES.items())]}
    )


def backtest(
    db: Database,
    text: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    progress: Progress | None = None,
    model: str | None = None,
) -> Answer:
    """Replay stored decisions under a candidate rule set; nothing is written.

    Each stored event kept the features it was scored on, so the replay sees what the live
    rules saw then (as Marble tests a scenario on history). With a learned model (the
    candidate's ``model`` entry, or ``model``), ``compare`` gives the rules alone, the model
    alone and the two together on the same events.
    """
    candidate = parse_rule_set(_check_text(text), version=-1)
    if model is not None:
        candidate = replace(candidate, model=_model_option(model))
    if start is not None and end is not None and end <= start:
        raise InvalidInput("to", "to must be after from")
    with db.transaction(write=False) as uow:
        labels = uow.rings.labels("event")
        total = uow.risk.count_decisions(start, end)
        replay = Replay()
        seq = model_seq(uow, candidate.model)
        learned = None if seq is None else uow.rulesets.model(seq)
        compared: dict[str, list[Scored]] = {"rules": [], "model": [], "rules+model": []}
        for d in uow.risk.decisions_between(start, end):
            values = restore_features(d.features)
            rules_only = candidate.evaluate(values)
            label = labels.get(d.subject)
            verdict = rules_only
            if learned is not None:
                score = learned.score(values, explain_from=candidate.review_at)
                bounds = {"review_at": candidate.review_at, "decline_at": candidate.decline_at}
                verdict = combine(rules_only, score, **bounds)
                alone = combine(Verdict(Outcome.APPROVE, 0, (), -1), score, **bounds)
                for name, v in (("rules", rules_only), ("model", alone), ("rules+model", verdict)):
                    compared[name].append(
                        scored(d, label)._replace(flagged=v.outcome is not Outcome.APPROVE)
                    )
            replay.add(d, verdict, label)
            n = replay.decisions
            if progress is not None and (n % 200 == 0 or n == total):
                progress(n, total)
    return Answer(
        {
            "rule_set": {"name": candidate.name, "digest": candidate.digest},
            "from": iso_local(start) if start else None,
            "to": iso_local(end) if end else None,
            **replay.to_json(),
            "model": None if learned is None else learned.version,
            "compare": {k: metrics(v) for k, v in compared.items()} if learned else None,
            "written": False,
        }
    )
