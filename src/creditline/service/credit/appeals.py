"""Use cases of appeals (申诉, R15): a holder submits one with evidence; an operator of role
risk decides it in one transaction under the line's lock (freezes lifted, the limit changed
through ``apply_limit_change``, every step recorded with who and when); anyone who may read
the line sees it, step by step.

Before the decision the holder is re-assessed (``assess_limit``, the scorecard over its facts
now) and the score and proposed limit are kept as the ``reassessed`` step: the operator decides
with them in view, and the record shows what they were. The assessment is recorded in its own
small transaction, just before the decision's (it is its own use case, with its own writes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from creditline.domain.credit.appeal_evidence import DocumentRef, Evidence, parse_evidence
from creditline.domain.credit.appeal_rules import (
    Appeal,
    AppealOutcome,
    AppealStatus,
    already_open,
    check_decision,
    decided_target,
    decision_reasons,
    freezes_to_lift,
    limit_before_reductions,
    not_open,
    parse_outcome,
    parse_reason_text,
)
from creditline.domain.errors import CreditlineError, InvalidInput, NotFound, Refused
from creditline.domain.money import Money
from creditline.domain.quota.limits import LimitChangeKind, parse_note, pending_reduction
from creditline.domain.quota.lines import LineStatus
from creditline.domain.quota.parties import PartyKind
from creditline.domain.reasons import Reason, ReasonCode
from creditline.service.credit.appeal_views import HISTORY, appeal_body
from creditline.service.credit.assessment import assess_limit
from creditline.service.credit.scorecards import ScorecardStore
from creditline.service.idempotency import Answer, check_key, retried
from creditline.service.ids import line_of, new_child_id
from creditline.service.quota.freeze_admin import lift_in
from creditline.service.quota.limit_admin import apply_limit_change, intended_limit
from creditline.service.quota.line_book import post_movement
from creditline.service.quota.line_command import line_command
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import Database, UnitOfWork


# -- submit -------------------------------------------------------------------------------------
@retried
def submit_appeal(
    db: Database,
    line_id: str,
    *,
    reason: str | None,
    evidence: object = None,
    key: str | None,
    actor: str = "",
) -> Answer:
    """The holder (or an operator for it, ``actor``) asks for the line back, with evidence:
    order ids, statement lines, amounts and documents (each checked, the bad one named). A
    line has one open appeal at a time (``appeal_already_open``)."""
    text = parse_reason_text(reason)
    checked = check_key(key, required=True)
    with line_command(db, line_id, checked) as cmd:
        uow, now, locked = cmd.uow, cmd.now, cmd.line
        state = locked.state
        proof = _own_evidence(uow, state.party_id, parse_evidence(evidence, state.currency))
        by = actor or f"party:{state.party_id}"

        def effect() -> Answer:
            _check_open_line(locked)
            standing = uow.appeals.open_appeal(line_id)
            if standing is not None:
                _refuse(already_open(standing))
            appeal = Appeal(
                id=new_child_id("apl", line_id),
                line_id=line_id,
                party_id=state.party_id,
                currency=state.currency,
                reason=text,
                evidence=proof.to_json(),
                created_at=now,
                submitted_by=by,
            )
            uow.appeals.insert_appeal(appeal)
            frozen = [f.id for f in uow.freezes.freezes_of(line_id, active_only=True)]
            uow.appeals.add_step(
                line_id,
                appeal.id,
                at=now,
                actor=by,
                action="submitted",
                detail={
                    "evidence": proof.counts(),
                    "limit_now": intended_limit(locked).format(),
                    "freezes": frozen,
                },
            )
            uow.events.emit("appeal.submitted", appeal.to_json(), now, line_id=line_id)
            return Answer(appeal_body(uow, appeal, locked))

        params = {"reason": text, "evidence": proof.to_json()}
        return cmd.run("appeal.submit", params, effect)


def _own_evidence(uow: UnitOfWork, party_id: str, proof: Evidence) -> Evidence:
    """The evidence with each document's type filled from the holder's own record; an order
    or a document that is not the holder's is bad input, named by its place."""
    party = uow.parties.get_party(party_id)
    merchant = party.kind is PartyKind.MERCHANT
    for i, order_id in enumerate(proof.orders):
        field = f"evidence.orders[{i}]"
        try:
            order = uow.orders.get_order(order_id)
        except NotFound:
            if merchant:
                raise InvalidInput(field, f"{field}: no order {order_id!r} of yours") from None
            continue  # a consumer's order is the merchant's: kept as a reference
        if merchant and order.merchant_id != party_id:
            raise InvalidInput(field, f"{field}: no order {order_id!r} of yours")
    if not any(d.id for d in proof.documents):
        return proof
    kept = {d.id: d for d in uow.parties.documents_of(party_id)}
    documents: list[DocumentRef] = []
    for i, ref in enumerate(proof.documents):
        if ref.id is None:
            documents.append(ref)
            continue
        field = f"evidence.documents[{i}]"
        doc = kept.get(ref.id)
        if doc is None:
            raise InvalidInput(f"{field}.id", f"{field}.id: no document {ref.id!r} of yours")
        if ref.type is not None and ref.type is not doc.type:
            raise InvalidInput(
                f"{field}.type", f"{field}.type: document {ref.id} is a {doc.type.value}"
            )
        documents.append(DocumentRef(doc.type, doc.id))
    return replace(proof, documents=tuple(documents))


# -- decide -------------------------------------------------------------------------------------
@retried
def decide_appeal(
    db: Database,
    appeal_id: str,
    *,
    outcome: str,
    limit: str | None = None,
    lift_freezes: Sequence[str] = (),
    note: str | None = None,
    actor: str = "",
    key: str | None = None,
    cards: ScorecardStore | None = None,
) -> Answer:
    """Decide an appeal (role risk, audited by the caller): ``restore``, ``partial`` (with
    ``limit``) or ``reject``; see ``domain.credit.appeal_rules`` for what each changes. One
    transaction under the line's lock: the freezes lifted, the limit changed, the steps
    recorded and the appeal decided, or nothing. ``cards``: the trained scorecards the
    re-assessment uses (as ``assess_limit``'s)."""
    line_id = line_of(appeal_id, field="appeal")
    chosen = parse_outcome(outcome)
    text = parse_note(note)
    checked = check_key(key, required=True)
    if limit is not None:
        Money.parse(limit, field="limit")
    named = tuple(dict.fromkeys(_freeze_of(f, line_id) for f in lift_freezes))
    check_decision(chosen, limit_given=limit is not None, freezes_named=bool(named), note=text)
    party = _ready(db, line_id, appeal_id, outcome=chosen, limit=limit, named=named, key=checked)
    reassessed = None if party is None else _reassess(db, *party, cards)
    with line_command(db, line_id, checked) as cmd:
        uow, now, locked = cmd.uow, cmd.now, cmd.line
        appeal = uow.appeals.get_appeal(line_id, appeal_id)
        money = None if limit is None else cmd.amount(limit)
        by = actor or "operator"

        def effect() -> Answer:
            if appeal.status is not AppealStatus.SUBMITTED:
                _refuse(not_open(appeal))
            if chosen is not AppealOutcome.REJECT:
                _check_open_line(locked)
            current = intended_limit(locked)
            changes = uow.lines.limit_changes(line_id, limit=HISTORY)
            target = decided_target(chosen, money, limit_before_reductions(changes, current))
            in_force = [
                f for f in uow.freezes.freezes_of(line_id, active_only=True) if f.in_force(now)
            ]
            lifting = freezes_to_lift(chosen, named, in_force)
            # Every rule is checked: from here on it writes.
            if reassessed is not None:
                uow.appeals.add_step(
                    line_id, appeal_id, at=now, actor=by, action="reassessed", detail=reassessed
                )
            why = f"申诉 appeal {appeal_id}: {text or chosen.value}"
            for freeze in lifting:
                lift_in(uow, freeze, why, now, sweep=False, also={"appeal": appeal_id})
                detail = {"freeze": freeze.id, "reason": freeze.reason.value}
                if freeze.amount is not None:
                    detail["amount"] = freeze.amount.format()
                uow.appeals.add_step(
                    line_id, appeal_id, at=now, actor=by, action="freeze_lifted", detail=detail
                )
            after = _apply(
                uow,
                locked,
                appeal,
                outcome=chosen,
                target=target,
                current=current,
                note=text,
                by=by,
                lifting=lifting,
            )
            decided = replace(
                appeal,
                status=AppealStatus.DECIDED,
                outcome=chosen,
                decided_limit=target,
                lifted_freezes=tuple(f.id for f in lifting),
                decision_note=text,
                decided_at=now,
                decided_by=by,
            )
            uow.appeals.record_decision(decided)
            uow.appeals.add_step(
                line_id,
                appeal_id,
                at=now,
                actor=by,
                action="decided",
                detail={
                    "outcome": chosen.value,
                    "decided_limit": None if target is None else target.format(),
                    "lifted_freezes": list(decided.lifted_freezes),
                    "note": text,
                },
            )
            uow.events.emit("appeal.decided", decided.to_json(), now, line_id=line_id)
            return Answer(appeal_body(uow, decided, after))

        params = {
            "appeal": appeal_id,
            "outcome": chosen.value,
            "limit": limit,
            "lift_freezes": list(named),
            "note": text,
        }
        return cmd.run("appeal.decide", params, effect)


def _apply(
    uow: UnitOfWork,
    locked: LockedLine,
    appeal: Appeal,
    *,
    outcome: AppealOutcome,
    target: Money | None,
    current: Money,
    note: str,
    by: str,
    lifting: Sequence[Any],
) -> LockedLine:
    """Move the line to the decided limit (a step of its own), or, when the limit stays, only
    give back what the lifted amount freezes held."""
    now = uow.reference.now()
    if target is not None and target != current:
        reasons, restore = decision_reasons(appeal.id, outcome, target, note)
        after, change = apply_limit_change(
            uow,
            locked,
            target,
            kind=LimitChangeKind.APPEAL,
            now=now,
            actor=by,
            source=appeal.id,
            note=note,
            reasons=reasons,
            restore=restore,
            detail={"outcome": outcome.value, "lifted_freezes": [f.id for f in lifting]},
        )
        b = after.state.balances
        uow.appeals.add_step(
            appeal.line_id,
            appeal.id,
            at=now,
            actor=by,
            action="limit_changed",
            detail={
                "change": change.id,
                "from_limit": change.previous.format(),
                "to_limit": change.target.format(),
                "pending_reduction": pending_reduction(b, after.state.limit_target).format(),
            },
        )
        return after
    if any(f.amount is not None for f in lifting):
        return locked.moved_to(post_movement(uow, locked, f"{appeal.id}:lift", [], now))
    return locked


def _ready(
    db: Database,
    line_id: str,
    appeal_id: str,
    *,
    outcome: AppealOutcome,
    limit: str | None,
    named: Sequence[str],
    key: str | None,
) -> tuple[str, str] | None:
    """The decision's own checks, read first (a bad limit or freeze is refused before the
    re-assessment writes anything); the party and product to re-assess, or None when the
    decision will not run (the appeal is decided already, or the key's answer is stored)."""
    with db.transaction(write=False) as uow:
        appeal = uow.appeals.get_appeal(line_id, appeal_id)
        if appeal.status is not AppealStatus.SUBMITTED:
            return None
        if key is not None and uow.idempotency.find_response(line_id, key) is not None:
            return None
        line = uow.lines.read_line(line_id)
        money = None if limit is None else Money.parse(limit, line.state.currency, field="limit")
        current = intended_limit(line)
        changes = uow.lines.limit_changes(line_id, limit=HISTORY)
        decided_target(outcome, money, limit_before_reductions(changes, current))
        now = uow.reference.now()
        in_force = [f for f in uow.freezes.freezes_of(line_id, active_only=True) if f.in_force(now)]
        freezes_to_lift(outcome, named, in_force)
        return appeal.party_id, line.state.product.value


def _reassess(
    db: Database, party_id: str, product: str, cards: ScorecardStore | None
) -> dict[str, Any]:
    """The holder's assessment now, for the ``reassessed`` step."""
    try:
        body = assess_limit(db, party_id, product=product, cards=cards).body
    except CreditlineError as exc:  # said in the step; the operator decides without it
        return {"error": exc.code, "message": exc.message}
    return {
        "assessment": body["id"],
        "score": body["score"],
        "proposed_limit": body["proposed_limit"],
        "decision": body["decision"],
        "summary_zh": body["summary_zh"],
        "summary_en": body["summary_en"],
    }


def _freeze_of(freeze_id: str, line_id: str) -> str:
    if not isinstance(freeze_id, str) or not freeze_id.startswith("frz_"):
        raise InvalidInput("lift_freeze", f"lift_freeze {str(freeze_id)[:64]!r} is no freeze id")
    if line_of(freeze_id, field="lift_freeze") != line_id:
        raise InvalidInput("lift_freeze", f"freeze {freeze_id} is not of this appeal's line")
    return freeze_id


def _check_open_line(locked: LockedLine) -> None:
    if locked.state.status is LineStatus.CLOSED:
        _refuse(Reason(ReasonCode.LINE_CLOSED, {"line": locked.state.id}))


def _refuse(reason: Reason) -> None:
    raise Refused(reason.code.value, reason.message_en, [reason])
