"""Labels (fraud confirmed / cleared) and how well the rules and the ring job find cash-out."""

from __future__ import annotations

from typing import Any

from creditline.domain.risk.metrics import metrics, ring_metrics, scored, true_rings
from creditline.service.idempotency import Answer
from creditline.service.uow import Database


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


def evaluate(db: Database, found_rings: list[dict[str, Any]]) -> Answer:
    """Precision and recall of the inline rules (stored decisions) and of the ring job."""
    with db.transaction(write=False) as uow:
        events = uow.rings.labels("event")
        party_labels = uow.rings.labels("party")
        rows = [scored(d, events.get(d.subject)) for d in uow.risk.decisions_between(None, None)]
    return Answer(
        {"inline": metrics(rows), "rings": ring_metrics(found_rings, true_rings(party_labels))}
    )
