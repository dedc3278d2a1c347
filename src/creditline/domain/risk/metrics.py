"""How well the rules and the ring job find cash-out (套现): precision, recall, and what a
backtest changes, counted on values (decisions, verdicts, labels) and never on a database."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from creditline.domain.risk.decisions import Decision
from creditline.domain.risk.rings import jaccard
from creditline.domain.risk.rules import Outcome, Signal, Verdict

PATTERNS = ("round_trip", "fake_orders", "threshold_split", "forbidden_purpose")
#: Which rule signals speak for which simulated cash-out pattern (for per-pattern precision).
PATTERN_SIGNALS: dict[str, set[str]] = {
    "round_trip": {Signal.LINKED_COUNTERPARTY.value, Signal.MONEY_BACK.value},
    "fake_orders": {Signal.LINKED_COUNTERPARTY.value, Signal.FAKE_ORDERS.value},
    "threshold_split": {Signal.THRESHOLD_SPLIT.value},
    "forbidden_purpose": {Signal.FORBIDDEN_PURPOSE.value},
}
RING_MATCH = 0.5  # a found ring matches a true one when they share half their members
EXAMPLES = 10  # changed outcomes a backtest shows


class Label(StrEnum):
    """What an event or a party turned out to be (an operator's decision, the simulator)."""

    FRAUD = "fraud"
    CLEARED = "cleared"


#: A label as stored: (label, pattern, ring).
Labelled = tuple[str, str | None, str | None]
UNLABELLED: Labelled = ("", None, None)


class Scored(NamedTuple):
    """One event as the metrics count it."""

    flagged: bool
    label: str | None  # 'fraud', 'cleared' or None (unlabelled: not counted)
    pattern: str | None
    signals: set[str]  # of the rules that fired


def scored(d: Decision, label: Labelled | None) -> Scored:
    """A stored decision, flagged as it was, against its label."""
    lab, pattern, _ = label or UNLABELLED
    return Scored(d.flagged, lab or None, pattern, d.signals)


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def metrics(rows: Iterable[Scored]) -> dict[str, Any]:
    """Precision and recall of ``flagged`` against labels, overall and per pattern.

    Per pattern, recall is over that pattern's fraud events; precision counts the events the
    pattern's rules flagged, fraud of that pattern against honest ones.
    """
    labelled = [r for r in rows if r[1] is not None]
    tp = sum(1 for f, lab, _, _ in labelled if f and lab == Label.FRAUD)
    fp = sum(1 for f, lab, _, _ in labelled if f and lab == Label.CLEARED)
    fraud = sum(1 for _, lab, _, _ in labelled if lab == Label.FRAUD)
    out: dict[str, Any] = {
        "labelled": len(labelled),
        "fraud": fraud,
        "flagged": tp + fp,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, fraud),
        "patterns": {},
    }
    for pattern, signals in PATTERN_SIGNALS.items():
        mine = [r for r in labelled if r[1] == Label.FRAUD and r[2] == pattern]
        caught = sum(1 for r in mine if r[0])
        honest_hit = sum(
            1 for f, lab, _, sig in labelled if f and lab == Label.CLEARED and sig & signals
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


def true_rings(party_labels: Mapping[str, Labelled]) -> dict[str, tuple[str, list[str]]]:
    """The labelled rings: ring -> (pattern, members), from parties labelled fraud."""
    truth: dict[str, tuple[str, list[str]]] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for party, (label, pattern, ring) in party_labels.items():
        if label == Label.FRAUD and ring is not None and pattern is not None:
            members[ring].append(party)
            truth[ring] = (pattern, members[ring])
    return truth


def ring_metrics(
    found: list[dict[str, Any]], truth: Mapping[str, tuple[str, list[str]]]
) -> dict[str, Any]:
    """Per pattern: recall over true rings, precision over found rings named with that pattern."""
    out: dict[str, Any] = {}
    for pattern in PATTERNS:
        true_members = [m for p, m in truth.values() if p == pattern]
        named = [r for r in found if r["pattern"] == pattern]
        hit = sum(
            1 for m in true_members if any(jaccard(m, r["members"]) >= RING_MATCH for r in found)
        )
        right = sum(
            1
            for r in named
            if any(
                p == pattern and jaccard(m, r["members"]) >= RING_MATCH for p, m in truth.values()
            )
        )
        out[pattern] = {
            "rings": len(true_members),
            "found": hit,
            "recall": _ratio(hit, len(true_members)),
            "named": len(named),
            "precision": _ratio(right, len(named)),
        }
    in_rings = {p for _, m in truth.values() for p in m}
    out["_all"] = {
        "found_rings": len(found),
        "false_rings": sum(
            1
            for r in found
            if not any(jaccard(m, r["members"]) >= RING_MATCH for _, m in truth.values())
        ),
        "members_in_true_rings": len(in_rings),
    }
    return out


@dataclass(slots=True)
class Replay:
    """What a backtest saw: stored decisions and the candidate's verdicts on their features."""

    decisions: int = 0
    changed: Counter[tuple[Outcome, Outcome]] = field(default_factory=Counter)
    fired_before: Counter[str] = field(default_factory=Counter)
    fired_after: Counter[str] = field(default_factory=Counter)
    before: list[Scored] = field(default_factory=list)
    after: list[Scored] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, d: Decision, verdict: Verdict, label: Labelled | None) -> None:
        """Count one stored decision against the candidate's verdict on it."""
        self.decisions += 1
        old, new = d.outcome, verdict.outcome
        if old != new:
            self.changed[(old, new)] += 1
            if len(self.examples) < EXAMPLES:
                self.examples.append(
                    {"decision": d.id, "subject": d.subject, "from": old.value, "to": new.value}
                )
        self.fired_before.update(r["rule"] for r in d.reasons)
        self.fired_after.update(f.rule for f in verdict.fired)
        then = scored(d, label)
        self.before.append(then)
        self.after.append(
            then._replace(
                flagged=new is not Outcome.APPROVE,
                signals={f.signal.value for f in verdict.fired},
            )
        )

    def to_json(self) -> dict[str, Any]:
        rules = sorted(set(self.fired_before) | set(self.fired_after))
        return {
            "decisions": self.decisions,
            "changed": sum(self.changed.values()),
            "transitions": [
                {"from": a.value, "to": b.value, "count": c}
                for (a, b), c in sorted(self.changed.items())
            ],
            "by_rule": [
                {
                    "rule": r,
                    "fired_before": self.fired_before[r],
                    "fired_after": self.fired_after[r],
                }
                for r in rules
            ],
            "before": metrics(self.before),
            "after": metrics(self.after),
            "examples": self.examples,
        }
