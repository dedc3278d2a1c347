"""Increase requests (提额申请): a holder asks for a higher limit; the scorecard and the policy
decide at once (approved up to what the assessment allows, with reasons) or refer it to an
operator with role risk, who decides on the operator pages, the CLI or the API."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.money import Money
from creditline.domain.quota.freezes import in_force
from creditline.domain.quota.limits import (
    LimitChangeKind,
    LimitRequest,
    RequestStatus,
    check_target,
    decide_increase,
    parse_note,
    pending_reduction,
)
from creditline.domain.quota.lines import LineStatus
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.text import printable_text
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer, check_key, retried
from creditline.service.ids import line_of, new_child_id
from creditline.service.quota.limit_admin import (
    apply_limit_change,
    change_json,
    permanent_limit,
)
from creditline.service.quota.line_command import line_command
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import Database, UnitOfWork

RESTORE = ("", "")


def _blocked(uow: UnitOfWork, locked: LockedLine, now: Any) -> tuple[dict[str, str], ...]:
    """What keeps a request from an automatic decision: the line is frozen or closed, or a
    reduction of its limit still waits for quota to come back."""
    out: list[dict[str, str]] = []
    state = locked.state
    if state.status is not LineStatus.ACTIVE:
        out.append(
            {
                "code": "line_not_active",
                "zh": "额度未处于可用状态，转人工审核",
                "en": "the line is not active: an operator decides",
            }
        )
    if locked.open_freezes and in_force(uow.freezes.freezes_of(state.id, active_only=True), now):
        out.append(
            {
                "code": "line_frozen",
                "zh": "额度存在冻结，转人工审核",
                "en": "the line has a freeze in force: an operator decides",
            }
        )
    lowered = _standing_reduction(uow, state.id)
    if lowered is not None:
        out.append(
            {
                "code": "limit_lowered",
                "zh": f"额度于 {lowered[0]} 因{lowered[1][0]}下调，提额需人工审核",
                "en": f"the limit was lowered on {lowered[0]} ({lowered[1][1]}): an operator "
                "decides",
            }
        )
    if pending_reduction(state.balances, state.limit_target).is_positive:
        out.append(
            {
                "code": "reduction_pending",
                "zh": "额度下调尚未完成，转人工审核",
                "en": "a lowered limit is still coming down: an operator decides",
            }
        )
    return tuple(out)


_KIND_NAMES = {
    LimitChangeKind.SET: ("平台调整", "set by the platform"),
    LimitChangeKind.REVIEW: ("定期复审", "a periodic review"),
    LimitChangeKind.APPEAL: ("申诉决定", "an appeal's decision"),
    LimitChangeKind.REQUEST: ("提额申请", "an increase request"),
    LimitChangeKind.REOPEN: ("重新开启", "reopening"),
    LimitChangeKind.OPEN: ("开通", "opening"),
}


def _standing_reduction(uow: UnitOfWork, line_id: str) -> tuple[str, tuple[str, str]] | None:
    """When the latest change of the permanent limit lowered it (a review, an operator, an
    appeal's decision): its day and what made it. An automatic approval would undo a risk
    decision, so such a request goes to an operator."""
    for change in uow.lines.limit_changes(line_id, limit=20):
        if change.kind in {LimitChangeKind.TEMPORARY, LimitChangeKind.TEMPORARY_END}:
            continue
        if change.lowered and change.kind is not LimitChangeKind.CLOSE:
            return iso_local(change.at)[:10], _KIND_NAMES.get(change.kind, ("调整", "a change"))
        return None
    return None


@retried
def request_increase(
    db: Database,
    line_id: str,
    *,
    amount: str,
    reason: str,
    assessment: dict[str, Any],
    actor: str = "",
    key: str | None = None,
) -> Answer:
    """Ask for the limit ``amount`` (the whole limit wanted, above today's). ``assessment``
    is the party's (``assess_limit``, run by the caller first): within its proposal the
    request is approved, above it approved up to it, and referred when it proposes no more
    than today, or the line is frozen, inactive or still coming down."""
    text = printable_text(reason, "reason", max_length=500, strip=True)
    checked = check_key(key, required=True)
    Money.parse(amount, field="amount")
    with line_command(db, line_id, checked) as cmd:
        uow, locked, now = cmd.uow, cmd.line, cmd.now
        currency = locked.state.currency
        wanted = check_target(Money.parse(amount, currency, field="amount"), currency, "amount")
        if assessment.get("party") != locked.state.party_id:
            raise InvalidInput("assessment", "the assessment is of another party")
        if assessment.get("currency", currency) != currency:
            raise InvalidInput(
                "currency",
                f"the assessment is in {assessment.get('currency')}, the line in {currency}",
            )
        proposed = Money.parse(str(assessment.get("proposed_limit") or "0"), currency)

        def effect() -> Answer:
            _check_active(locked)
            current = permanent_limit(uow, locked, now)
            if wanted <= current:
                raise InvalidInput(
                    "amount", f"amount must be above the current limit {current.format()}"
                )
            decision = decide_increase(
                wanted,
                current,
                proposed=proposed,
                assessment_approves=assessment.get("decision") == "approve",
                blocked=_blocked(uow, locked, now),
            )
            request = LimitRequest(
                id=new_child_id("lrq", line_id),
                line_id=line_id,
                party_id=locked.state.party_id,
                requested=wanted,
                current=current,
                reason=text,
                status=decision.status,
                created_at=now,
                requested_by=actor,
                assessment_id=assessment.get("id"),
                score=assessment.get("score"),
                proposed=proposed,
                reasons=decision.reasons,
            )
            body: dict[str, Any] = {}
            if decision.limit is not None:
                after, change = apply_limit_change(
                    uow,
                    locked,
                    decision.limit,
                    kind=LimitChangeKind.REQUEST,
                    now=now,
                    actor="auto",
                    source=request.id,
                    note=text,
                    reasons=decision.reasons,
                    restore=RESTORE,
                )
                request = replace(
                    request,
                    decided_limit=decision.limit,
                    change_id=change.id,
                    decided_by="auto",
                    decided_at=now,
                )
                body["change"] = change_json(change, after)
            uow.lines.save_limit_request(request)
            uow.events.emit("limit.requested", request.to_json(), now, line_id=line_id)
            return Answer({**request.to_json(), **body})

        return cmd.run("limit.request", {"amount": amount, "reason": text}, effect)


@retried
def decide_request(
    db: Database,
    request_id: str,
    *,
    outcome: str,
    note: str | None,
    limit: str | None = None,
    actor: str = "",
    key: str | None = None,
) -> Answer:
    """An operator (role risk) decides a referred request: ``approve`` at ``limit`` (default:
    what was asked) or ``decline``; the note is shown to the holder."""
    if outcome not in {"approve", "decline"}:
        raise InvalidInput("outcome", "outcome must be approve or decline")
    text = parse_note(note, required=True)
    checked = check_key(key, required=True)
    if limit is not None:
        Money.parse(limit, field="limit")
    line_id = line_of(request_id, field="request")
    with line_command(db, line_id, checked) as cmd:
        uow, locked, now = cmd.uow, cmd.line, cmd.now
        request = uow.lines.limit_request(line_id, request_id)
        currency = locked.state.currency
        target = (
            request.requested
            if limit is None
            else check_target(Money.parse(limit, currency, field="limit"), currency)
        )

        def effect() -> Answer:
            if request.status is not RequestStatus.REFERRED:
                raise Refused(
                    "request_decided", f"request {request_id} is {request.status.value} already"
                )
            if outcome == "approve":
                _check_active(locked)
                current = permanent_limit(uow, locked, now)
                if target <= current:
                    raise Refused(
                        "request_stale",
                        f"the limit {target.format()} is not above the current {current.format()}",
                    )
            body: dict[str, Any] = {}
            decided = replace(request, decided_by=actor, note=text, decided_at=now)
            if outcome == "decline":
                reason = {
                    "code": "declined",
                    "zh": f"人工审核未通过：{text}",
                    "en": f"declined: {text}",
                }
                decided = replace(
                    decided, status=RequestStatus.DECLINED, reasons=(*request.reasons, reason)
                )
            else:
                reason = {
                    "code": "approved",
                    "zh": f"人工审核通过：{text}",
                    "en": f"approved: {text}",
                }
                after, change = apply_limit_change(
                    uow,
                    locked,
                    target,
                    kind=LimitChangeKind.REQUEST,
                    now=now,
                    actor=actor,
                    source=request_id,
                    note=text,
                    reasons=[reason],
                    restore=RESTORE,
                )
                decided = replace(
                    decided,
                    status=RequestStatus.APPROVED,
                    decided_limit=target,
                    change_id=change.id,
                    reasons=(*request.reasons, reason),
                )
                body["change"] = change_json(change, after)
            uow.lines.save_limit_request(decided)
            uow.events.emit("limit.request_decided", decided.to_json(), now, line_id=line_id)
            return Answer({**decided.to_json(), **body})

        return cmd.run(
            "limit.decide", {"request": request_id, "outcome": outcome, "limit": limit}, effect
        )


def _check_active(locked: LockedLine) -> None:
    status = locked.state.status
    if status is LineStatus.ACTIVE:
        return
    code = ReasonCode.LINE_CLOSED if status is LineStatus.CLOSED else ReasonCode.LINE_NOT_ACTIVE
    reason = Reason(code, {"line": locked.state.id, "missing": []})
    raise Refused(reason.code.value, reason.message_en, [reason])


def show_request(db: Database, request_id: str) -> Answer:
    line_id = line_of(request_id, field="request")
    with db.transaction(write=False) as uow:
        return Answer(uow.lines.limit_request(line_id, request_id).to_json())


def list_requests(
    db: Database, *, line_id: str | None = None, status: str | None = None, limit: int = 100
) -> Answer:
    """Increase requests, newest first: a line's, or every referred one (the operators' queue)."""
    if status is not None and status not in {s.value for s in RequestStatus}:
        raise InvalidInput(
            "status", f"status must be one of {', '.join(s.value for s in RequestStatus)}"
        )
    with db.transaction(write=False) as uow:
        found = uow.lines.limit_requests(line_id=line_id, status=status, limit=limit)
        return Answer({"line": line_id, "status": status, "requests": [r.to_json() for r in found]})
