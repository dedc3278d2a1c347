"""Rule sets as versioned documents (风控规则): load, show, and backtest over stored history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.rules import FEATURES, Outcome, Signal, parse_rule_set
from creditline.service.idempotency import Answer, once
from creditline.service.risk.scoring import restore_features
from creditline.service.uow import Database, UnitOfWork

MAX_DOCUMENT = 200_000
Progress = Callable[[int, int], None]

PATTERNS = ("round_trip", "fake_orders", "threshold_split", "forbidden_purpose")
#: Which rule signals speak for which simulated cash-out pattern (for per-pattern precision).
PATTERN_SIGNALS: dict[str, set[str]] = {
    "round_trip": {Signal.LINKED_COUNTERPARTY.value, Signal.MONEY_BACK.value},
    "fake_orders": {Signal.LINKED_COUNTERPARTY.value, Signal.FAKE_ORDERS.value},
    "threshold_split": {Signal.THRESHOLD_SPLIT.value},
    "forbidden_purpose": {Signal.FORBIDDEN_PURPOSE.value},
}


def _check_text(text: str) -> str:
    if not text.strip():
        raise InvalidInput("rules", "the rule set is empty")
    if len(text) > MAX_DOCUMENT:
        raise InvalidInput("rules", f"the rule set is longer than {MAX_DOCUMENT} characters")
    return text


def load_rules(db: Database, text: str, *, note: str = "", key: str | None = None) -> Answer:
    """Check a rule set and make it the live one (a new version; older ones stay)."""
    parse_rule_set(_check_text(text))  # refuse before anything is written

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        version = uow.rulesets.latest_rule_seq() + 1
        rule_set = parse_rule_set(text, version=version)
        uow.rulesets.insert_rule_set(rule_set, note, now)
        body = {**rule_set.to_json(), "loaded_at": now.isoformat(), "note": note}
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


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def metrics(
    rows: list[tuple[bool, str | None, str | None, set[str]]],
) -> dict[str, Any]:
    """Precision and recall of ``flagged`` against labels, overall and per pattern.

    Each row: (flagged, label 'fraud'/'cleared'/None, pattern, signals of the rules that fired).
    Per pattern, recall is over that pattern's fraud events; precision counts the events the
    pattern's rules flagged, fraud of that pattern against honest ones.
    """
    labelled = [r for r in rows if r[1] is not None]
    tp = sum(1 for f, lab, _, _ in labelled if f and lab == "fraud")
    fp = sum(1 for f, lab, _, _ in labelled if f and lab == "cleared")
    fraud = sum(1 for _, lab, _, _ in labelled if lab == "fraud")
    out: dict[str, Any] = {
        "labelled": len(labelled),
        "fraud": fraud,
        "flagged": tp + fp,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, fraud),
        "patterns": {},
    }
    for pattern, signals in PATTERN_SIGNALS.items():
        mine = [r for r in labelled if r[1] == "fraud" and r[2] == pattern]
        caught = sum(1 for r in mine if r[0])
        honest_hit = sum(
            1 for f, lab, _, sig in labelled if f and lab == "cleared" and sig & signals
        )
        caught_by_own = sum(1 for r in mine if r[0] and r[3] & signals)
        out["patterns"][pattern] = {
            "events": len(mine),
            "caught": caught,
            "recall": _ratio(caught, len(mine)),
            "false_positives": honest_hit,
            "precision": _ratio(caught_by_own, caught_by_own + honest_hit),
        }
    return out


def backtest(
    db: Database,
    text: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    progress: Progress | None = None,
) -> Answer:
    """Replay stored decisions under a candidate rule set; nothing is written.

    Each stored event kept the features it was scored on, so the replay sees what the live
    rules saw then (as Marble tests a scenario on history).
    """
    candidate = parse_rule_set(_check_text(text), version=-1)
    if start is not None and end is not None and end <= start:
        raise InvalidInput("to", "to must be after from")
    with db.transaction(write=False) as uow:
        labels = uow.rings.labels("event")
        total = uow.risk.count_decisions(start, end)
        changed: Counter[tuple[str, str]] = Counter()
        fired_before: Counter[str] = Counter()
        fired_after: Counter[str] = Counter()
        rows_before: list[tuple[bool, str | None, str | None, set[str]]] = []
        rows_after: list[tuple[bool, str | None, str | None, set[str]]] = []
        examples: list[dict[str, Any]] = []
        n = 0
        for d in uow.risk.decisions_between(start, end):
            n += 1
            verdict = candidate.evaluate(restore_features(d.features))
            old = d.outcome
            new = verdict.outcome.value
            if old != new:
                changed[(old, new)] += 1
                if len(examples) < 10:
                    examples.append(
                        {"decision": d.id, "subject": d.subject, "from": old, "to": new}
                    )
            for r in d.reasons:
                fired_before[r["rule"]] += 1
            for f in verdict.fired:
                fired_after[f.rule] += 1
            label, pattern, _ = labels.get(d.subject, (None, None, None))
            rows_before.append(
                (old != Outcome.APPROVE.value, label, pattern, {r["signal"] for r in d.reasons})
            )
            rows_after.append(
                (
                    verdict.outcome is not Outcome.APPROVE,
                    label,
                    pattern,
                    {f.signal.value for f in verdict.fired},
                )
            )
            if progress is not None and (n % 200 == 0 or n == total):
                progress(n, total)
        rules = sorted(set(fired_before) | set(fired_after))
        return Answer(
            {
                "rule_set": {"name": candidate.name, "digest": candidate.digest},
                "from": start.isoformat() if start else None,
                "to": end.isoformat() if end else None,
                "decisions": n,
                "changed": sum(changed.values()),
                "transitions": [
                    {"from": a, "to": b, "count": c} for (a, b), c in sorted(changed.items())
                ],
                "by_rule": [
                    {
                        "rule": r,
                        "fired_before": fired_before[r],
                        "fired_after": fired_after[r],
                    }
                    for r in rules
                ],
                "before": metrics(rows_before),
                "after": metrics(rows_after),
                "examples": examples,
                "written": False,
            }
        )
