"""One line's periodic review (额度复审) inside the caller's transaction, and the restoration a
resubmitted document brings at once. Both record an outcome, and when the limit moves they go
through ``apply_limit_change`` (never below what is used: the rest of a reduction waits) and
tell the holder (``limit.reviewed``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from creditline.domain.credit.review_facts import (
    DOCUMENT_CODES,
    ReviewFacts,
    Standing,
    baselines,
    standing_of,
)
from creditline.domain.credit.review_rules import ReviewDecision, decide, resubmission
from creditline.domain.money import Money
from creditline.domain.policy import Policy
from creditline.domain.quota.limits import LimitChange, LimitChangeKind, pending_reduction
from creditline.domain.quota.lines import LineStatus
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product
from creditline.domain.workdays import iso_local, local_date
from creditline.service.credit.review_ports import ReviewOutcome
from creditline.service.ids import new_child_id
from creditline.service.quota.limit_admin import apply_limit_change, intended_limit
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import UnitOfWork

#: How many of a line's newest limit changes are read to find the last review's base behind
#: temporary quota granted or ended since.
LOOKBACK = 8


def outcome_json(o: ReviewOutcome) -> dict[str, Any]:
    return {
        "id": o.id,
        "line": o.line_id,
        "party": o.party_id,
        "review": o.review_id,
        "decision": o.decision,
        "from_limit": o.from_limit.format(),
        "to_limit": o.to_limit.format(),
        "base_limit": o.base_limit.format(),
        "pending_reduction": o.pending.format(),
        "currency": o.to_limit.currency,
        "reasons": o.reasons,
        "facts": o.facts,
        "change": o.change_id,
        "policy_version": o.policy_version,
        "at": iso_local(o.at),
    }


def review_line(
    uow: UnitOfWork, line_id: str, *, review_id: str, now: datetime, actor: str
) -> dict[str, Any] | None:
    """Review one active line under its lock; None for a line that is not active."""
    locked = uow.lines.lock_line(line_id)
    state = locked.state
    if state.status is not LineStatus.ACTIVE:
        return None
    policy = uow.reference.policy(now, locked.policy_seq)
    limit_now = intended_limit(locked)
    facts = _facts(uow, locked, limit_now, now)
    standing = facts.standing
    decision = decide(facts, policy, now)
    reasons = [r.to_json() for r in decision.reasons]
    change = None
    if _records_change(decision, limit_now, standing):
        locked, change = apply_limit_change(
            uow,
            locked,
            decision.target,
            kind=LimitChangeKind.REVIEW,
            now=now,
            actor=actor,
            source=review_id,
            reasons=reasons,
            restore=decision.restore,
            detail=decision.detail(review_id),
        )
    return _record(
        uow,
        locked,
        decision,
        reasons=reasons,
        facts=facts.to_json(now),
        change=change,
        review_id=review_id,
        limit_now=limit_now,
        policy_version=policy.version,
        now=now,
    )


def _records_change(decision: ReviewDecision, limit_now: Money, standing: Standing) -> bool:
    """A change is recorded when the limit moves, or when the reasons behind a standing
    reduction change at the same limit (``why`` then gives the reasons in force)."""
    if decision.target != limit_now:
        return True
    return limit_now.is_positive and set(decision.standing) != set(standing.reductions)


def _installments_overdue(
    uow: UnitOfWork, locked: LockedLine, now: datetime, policy: Policy
) -> int:
    """Installment periods (分期) overdue past their due date and grace days."""
    if locked.state.product is not Product.INSTALLMENT:
        return 0
    today, grace = local_date(now), policy.integer("installment_grace_days")
    return sum(
        1
        for plan in uow.installments.plans_of(locked.state.id)
        for p in plan.periods
        if p.days_overdue(today, grace) > 0
    )


def _facts(uow: UnitOfWork, locked: LockedLine, limit_now: Money, now: datetime) -> ReviewFacts:
    state = locked.state
    policy = uow.reference.policy(now, locked.policy_seq)
    merchant = state.party_kind is PartyKind.MERCHANT
    window = timedelta(days=policy.integer("return_rate_window_days"))
    overdue_after = timedelta(days=policy.integer("occupancy_limit_days"))
    raw = uow.reviews.line_facts(
        state.id,
        state.party_id,
        orders_since=now - window,
        overdue_before=now - overdue_after,
        merchant=merchant,
        changes=LOOKBACK,
    )
    standing = standing_of(raw.changes, limit_now)
    last_change_at = raw.changes[0].at if raw.changes else None
    b = state.balances
    currency = state.currency
    score_baseline, income_baseline = baselines(raw.previous_facts, standing, currency)
    moments = [m for m in (raw.opened_at, last_change_at, raw.last_freeze_at) if m]
    return ReviewFacts(
        line_id=state.id,
        party_kind=state.party_kind,
        product=state.product,
        category=raw.category,
        limit_now=limit_now,
        standing=standing,
        used=b.held + b.occupied + b.frozen,
        opened_at=raw.opened_at,
        orders=raw.orders,
        returns=raw.returns,
        documents=raw.documents,
        last_spend_at=raw.last_spend_at,
        overdue=raw.overdue + _installments_overdue(uow, locked, now, policy),
        credit_score=raw.credit_score,
        income=None if raw.income_minor is None else Money(raw.income_minor, currency),
        score_baseline=score_baseline,
        income_baseline=income_baseline,
        good_since=max(moments),
    )


def _record(
    uow: UnitOfWork,
    locked: LockedLine,
    decision: ReviewDecision,
    *,
    reasons: list[dict[str, Any]],
    facts: dict[str, Any],
    change: LimitChange | None,
    review_id: str | None,
    limit_now: Money,
    policy_version: str,
    now: datetime,
) -> dict[str, Any]:
    state = locked.state
    outcome = ReviewOutcome(
        id=new_child_id("rvo", state.id),
        line_id=state.id,
        party_id=state.party_id,
        review_id=review_id,
        decision=decision.decision.value,
        from_limit=limit_now,
        to_limit=decision.target,
        base_limit=decision.base,
        pending=pending_reduction(state.balances, state.limit_target),
        reasons=reasons,
        facts=facts,
        change_id=None if change is None else change.id,
        policy_version=policy_version,
        at=now,
    )
    uow.reviews.insert_outcome(outcome)
    body = outcome_json(outcome)
    if change is not None:  # the facts stay with the outcome (``limits reviews``), not in the event
        payload = {k: v for k, v in body.items() if k != "facts"}
        uow.events.emit("limit.reviewed", payload, now, line_id=state.id, party_id=state.party_id)
    return body


def restore_after_document(
    uow: UnitOfWork, party_id: str, doc_type: str, doc_id: str, now: datetime
) -> list[dict[str, Any]]:
    """A document was added: every line of the party whose limit a review cut for stale or
    missing documents gets it back in this transaction, if the documents on file now satisfy
    the policy (other standing reductions stay)."""
    restored = []
    for line_id in uow.lines.lines_of_party(party_id):
        changes = uow.lines.limit_changes(line_id, limit=LOOKBACK)
        standing = standing_of(changes, changes[0].target) if changes else None
        if standing is None or not DOCUMENT_CODES & standing.reductions.keys():
            continue  # the usual case, read without the line's lock
        body = _restore_line(uow, line_id, doc_type, doc_id, now)
        if body is not None:
            restored.append(body)
    return restored


def _restore_line(
    uow: UnitOfWork, line_id: str, doc_type: str, doc_id: str, now: datetime
) -> dict[str, Any] | None:
    locked = uow.lines.lock_line(line_id)
    if locked.state.status is LineStatus.CLOSED:
        return None
    limit_now = intended_limit(locked)
    standing = standing_of(uow.lines.limit_changes(line_id, limit=LOOKBACK), limit_now)
    policy = uow.reference.policy(now, locked.policy_seq)
    documents = uow.parties.documents_of(locked.state.party_id)
    found = resubmission(
        standing, documents, policy, now=now, limit_now=limit_now, submitted=doc_type
    )
    if found is None:
        return None
    decision, reasons = found
    kept = [r for r in reasons[1:] if r.get("code") in decision.standing]
    restore = (
        "；".join(str(r.get("restore_zh", "")) for r in kept if r.get("restore_zh")),
        "; ".join(str(r.get("restore_en", "")) for r in kept if r.get("restore_en")),
    )
    locked, change = apply_limit_change(
        uow,
        locked,
        decision.target,
        kind=LimitChangeKind.REVIEW,
        now=now,
        source=doc_id,
        reasons=reasons,
        restore=restore,
        detail=decision.detail(None),
    )
    facts = {"document": doc_id, "type": doc_type, "cleared": reasons[0]["facts"]["cleared"]}
    return _record(
        uow,
        locked,
        decision,
        reasons=reasons,
        facts=facts,
        change=change,
        review_id=None,
        limit_now=limit_now,
        policy_version=policy.version,
        now=now,
    )
