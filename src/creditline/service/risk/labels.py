"""Labels (fraud confirmed / cleared) and how well the rules and the ring job find cash-out."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from creditline.domain.risk.rings import jaccard
from creditline.service.idempotency import Answer
from creditline.service.risk.rule_sets import PATTERNS, metrics
from creditline.service.uow import Database

RING_MATCH = 0.5  # a found ring matches a true one when they share half their members


def store_labels(
    db: Database, labels: list[tuple[str, str, str, str | None, str | None]], *, source: str
) -> int:
    """Record labels (subject kind, subject, label, pattern, ring) in one transaction."""
    with db.transaction() as uow:
        now = uow.reference.now()
        for kind, subject, label, pattern, ring in labels:
            uow.rings.set_label(
                kind, subject, label, pattern=pattern, ring=ring, source=source, now=now
            )
    return len(labels)


def ring_metrics(
    found: list[dict[str, Any]], truth: dict[str, tuple[str, list[str]]]
) -> dict[str, Any]:
    """Per pattern: recall over true rings, precision over found rings named with that pattern."""
    out: dict[str, Any] = {}
    for pattern in PATTERNS:
        true_rings = [m for p, m in truth.values() if p == pattern]
        named = [r for r in found if r["pattern"] == pattern]
        hit = sum(
            1 for m in true_rings if any(jaccard(m, r["members"]) >= RING_MATCH for r in found)
        )
        right = sum(
            1
            for r in named
            if any(
                p == pattern and jaccard(m, r["members"]) >= RING_MATCH for p, m in truth.values()
            )
        )
        out[pattern] = {
            "rings": len(true_rings),
            "found": hit,
            "recall": None if not true_rings else round(hit / len(true_rings), 4),
            "named": len(named),
            "precision": None if not named else round(right / len(named), 4),
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


def evaluate(db: Database, found_rings: list[dict[str, Any]]) -> Answer:
    """Precision and recall of the inline rules (stored decisions) and of the ring job."""
    with db.transaction(write=False) as uow:
        events = uow.rings.labels("event")
        party_labels = uow.rings.labels("party")
        rows = []
        for d in uow.risk.decisions_between(None, None):
            label, pattern, _ = events.get(d.subject, (None, None, None))
            rows.append((d.outcome != "approve", label, pattern, {r["signal"] for r in d.reasons}))
    truth: dict[str, tuple[str, list[str]]] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for party, (label, pattern, ring) in party_labels.items():
        if label == "fraud" and ring is not None and pattern is not None:
            members[ring].append(party)
            truth[ring] = (pattern, members[ring])
    return Answer({"inline": metrics(rows), "rings": ring_metrics(found_rings, truth)})
