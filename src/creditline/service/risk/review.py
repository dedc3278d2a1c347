"""The operators' review queue (人工审核) of risk decisions: list, approve or decline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput, NotFound, Refused
from creditline.domain.ledger import Movement
from creditline.domain.money import Money
from creditline.domain.quota.lines import HoldStatus
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.risk.decisions import Decision, Review, party_of_decision, review_after
from creditline.domain.risk.metrics import Label
from creditline.domain.risk.rules import Event, Outcome
from creditline.domain.text import printable_text
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer, check_key, retried, run_once
from creditline.service.quota.holds import release_hold
from creditline.service.uow import Database, UnitOfWork

MAX_QUEUE = 1000
MAX_OPERATOR = 64
MAX_NOTE = 500


def decision_json(d: Decision) -> dict[str, Any]:
    return {
        "id": d.id,
        "party": d.party_id,
        "line": d.line_id,
        "event": d.event.value,
        "subject": d.subject,
        "amount": str(Money(d.amount).major),
        "outcome": d.outcome.value,
        "score": d.score,
        "reasons": d.reasons,
        "rule_set_version": d.rule_set_version,
        "policy_version": d.policy_version,
        "review": d.review.value,
        "decided_by": d.decided_by,
        "decided_at": iso_local(d.decided_at) if d.decided_at else None,
        "note": d.note,
        "at": iso_local(d.created_at),
    }


def queue(db: Database, *, limit: int = 100) -> Answer:
    """The events waiting for an operator, oldest first, each with everything that decided it
    (rules, weights, score, the model's top factors) and the graph evidence around its party:
    the ring it is in (members, pattern, evidence) and the parties tied to it, strongest
    first."""
    if not 1 <= limit <= MAX_QUEUE:
        raise InvalidInput("limit", f"limit must be between 1 and {MAX_QUEUE}")
    with db.transaction(write=False) as uow:
        items = [
            {**decision_json(d), "graph": graph_evidence(uow, d.party_id)}
            for d in uow.risk.pending_reviews(limit)
        ]
    return Answer({"pending": items, "count": len(items)})


def graph_evidence(uow: UnitOfWork, party_id: str) -> dict[str, Any]:
    """What the graphs say about a party: its ring (if the ring job found one) and its ties."""
    ring = uow.rings.ring_of_party(party_id)
    ties = sorted(uow.risk.link_strengths(party_id).items(), key=lambda pt: (-pt[1], pt[0]))
    return {
        "ring": None
        if ring is None
        else {
            "id": ring["id"],
            "pattern": ring["pattern"],
            "score": ring["score"],
            "members": ring["members"],
            "case": ring["case"],
            "evidence": {
                k: v[:5] if isinstance(v, list) else v for k, v in ring["evidence"].items()
            },
        },
        "links": [{"party": p, "strength": str(s)} for p, s in ties[:10]],
    }


def _operator_verdict(verdict: str) -> Outcome:
    if verdict not in {Outcome.APPROVE, Outcome.DECLINE}:
        raise InvalidInput("verdict", "verdict must be approve or decline")
    return Outcome(verdict)


@retried
def decide(
    db: Database, decision_id: str, *, verdict: str, by: str, note: str, key: str | None = None
) -> Answer:
    """An operator approves or declines a spend held for review; the decision labels the
    event (approve: cleared, decline: fraud confirmed) for backtests."""
    party_id = party_of_decision(decision_id)
    choice = _operator_verdict(verdict)
    who = printable_text(by, "by", max_length=MAX_OPERATOR, strip=True)
    text = printable_text(note, "note", max_length=MAX_NOTE, required=False, strip=True)
    checked = check_key(key, required=False)
    approve = choice is Outcome.APPROVE
    with db.transaction() as uow:
        now = uow.reference.now()

        def effect() -> Answer:
            d = uow.risk.get_decision(party_id, decision_id)
            if d.review != Review.PENDING:
                reason = Reason(ReasonCode.REVIEW_NOT_PENDING, {"review": d.review.value})
                raise Refused(reason.code.value, reason.message_en, [reason])
            hold_status = None
            if d.event == Event.SPEND and d.line_id is not None:
                hold_status = _settle_held_spend(uow, d.line_id, d.subject, approve, now)
            uow.risk.decide(
                party_id, decision_id, review=review_after(choice), by=who, note=text, now=now
            )
            uow.rings.set_label(
                "event",
                d.subject,
                (Label.CLEARED if approve else Label.FRAUD).value,
                pattern=None,
                ring=None,
                source=f"operator:{who}",
                now=now,
            )
            body = decision_json(uow.risk.get_decision(party_id, decision_id))
            body["hold_status"] = hold_status
            uow.events.emit("risk.reviewed", body, now, line_id=d.line_id, party_id=party_id)
            return Answer(body)

        return run_once(
            uow,
            scope=party_id,
            key=checked,
            command="risk.decide",
            params={"decision": decision_id, "verdict": verdict, "by": who, "note": text},
            effect=effect,
            now=now,
        )


def _settle_held_spend(
    uow: UnitOfWork, line_id: str, hold_id: str, approve: bool, now: datetime
) -> str:
    """Approve leaves the hold to be captured; decline releases it back to available."""
    locked = uow.lines.lock_line(line_id)
    try:
        hold = uow.holds.get_hold(line_id, hold_id)
    except NotFound:
        return "missing"
    if hold.status is not HoldStatus.AUTHORIZED or approve:
        return hold.status.value
    release_hold(uow, locked, hold, movement=Movement.VOID, status=HoldStatus.DECLINED, now=now)
    return HoldStatus.DECLINED.value


def review_pending(uow: UnitOfWork, hold_id: str) -> bool:
    """Whether a spend's hold waits for an operator (it cannot be captured until then)."""
    return uow.risk.pending_review_of(hold_id) is not None
