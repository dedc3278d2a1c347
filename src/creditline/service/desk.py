"""The operator desk's reads (风控工作台): the review queue with the features behind each
decision, a line's audit trail and events, and the stored cash-out rings with the
identifiers their members share."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.catalogue import FEATURES
from creditline.domain.workdays import iso_local
from creditline.service.access.audit import audit_json
from creditline.service.idempotency import Answer
from creditline.service.risk.review import MAX_QUEUE, decision_json, graph_evidence
from creditline.service.uow import Database

MAX_PAGE = 100
MAX_RINGS = 200


def _limit(limit: int, most: int) -> None:
    if not 1 <= limit <= most:
        raise InvalidInput("limit", f"limit must be between 1 and {most}")


def _after(after: int) -> None:
    if not 0 <= after <= 2**63 - 1:
        raise InvalidInput("after", "after must be a sequence number (0 for the start)")


def review_queue(db: Database, *, limit: int = 100) -> Answer:
    """The decisions waiting for an operator, oldest first, each with the rules that fired
    (``reasons``), the features it was scored on (those away from their neutral value), each
    feature with its meaning, and the graph evidence around its party (``graph``)."""
    _limit(limit, MAX_QUEUE)
    with db.transaction(write=False) as uow:
        pending = uow.risk.pending_reviews(limit)
        graphs = {d.party_id: graph_evidence(uow, d.party_id) for d in pending}
    items = []
    for d in pending:
        item = {**decision_json(d), "graph": graphs[d.party_id]}
        item["features"] = [
            {"name": name, "value": value, "meaning": FEATURES.get(name, (None, ""))[1]}
            for name, value in sorted(d.features.items())
        ]
        items.append(item)
    return Answer({"pending": items, "count": len(items)})


def line_audit(
    db: Database, line_id: str, *, after: int = 0, limit: int = MAX_PAGE, newest: bool = False
) -> Answer:
    """Operator actions on a line (the line, its holds, occupancies and freezes, its risk
    decisions), oldest first after sequence ``after``; the latest ``limit`` first with
    ``newest`` (what a person looking at the line wants first)."""
    _limit(limit, MAX_PAGE)
    _after(after)
    with db.transaction(write=False) as uow:
        uow.lines.read_line(line_id)  # NotFound for a line that does not exist
        rows = uow.desk.line_audit(line_id, after, limit + 1, newest=newest)
    return Answer({"data": [audit_json(r) for r in rows[:limit]], "has_more": len(rows) > limit})


def line_events(
    db: Database, line_id: str, *, after: int = 0, limit: int = MAX_PAGE, newest: bool = False
) -> Answer:
    """The line's events from the outbox, oldest first after event id ``after``; the latest
    ``limit`` first with ``newest``."""
    _limit(limit, MAX_PAGE)
    _after(after)
    with db.transaction(write=False) as uow:
        uow.lines.read_line(line_id)
        rows = uow.desk.line_events(line_id, after, limit + 1, newest=newest)
    return Answer({"data": rows[:limit], "has_more": len(rows) > limit})


def list_rings(db: Database, *, limit: int = 50) -> Answer:
    """The cash-out rings found so far (last seen first): members, score, pattern, case,
    evidence, and ``links``: which member holds which of the identifiers they share."""
    _limit(limit, MAX_RINGS)
    with db.transaction(write=False) as uow:
        stored = uow.desk.rings(limit)
        held = {
            party: uow.risk.identifiers_of(party) for ring in stored for party in ring["members"]
        }
    data = []
    for ring in stored:
        holders: dict[tuple[str, str], list[str]] = defaultdict(list)
        for party in ring["members"]:
            for kind, value in held.get(party, []):
                holders[(kind, value)].append(party)
        links = [
            {"party": party, "kind": kind, "value": value}
            for (kind, value), parties in sorted(holders.items())
            if len(parties) >= 2
            for party in sorted(parties)
        ]
        evidence = dict(ring["evidence"])
        shared = evidence.pop("shared", [])
        data.append(
            {
                "object": "ring",
                "id": ring["id"],
                "members": ring["members"],
                "score": ring["score"],
                "pattern": ring["pattern"],
                "case": ring["case"],
                "shared": shared,
                "links": links,
                "evidence": evidence,
                "first_seen": iso_local(ring["first_seen"]),
                "last_seen": iso_local(ring["last_seen"]),
            }
        )
    out: dict[str, Any] = {"data": data, "count": len(data)}
    return Answer(out)
