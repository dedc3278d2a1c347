"""Limit changes (额度调整): a line's limit is raised at once and lowered as far as it can be.

A line carries a *limit target*, the limit it should have. Raising the target grants the
difference at once. Lowering it gives back to the platform only the quota that is free
(available): a lower limit never drops below what is already held, occupied or frozen (R19).
The rest of the reduction stays pending; new spending is blocked meanwhile (available is
counted against the target), and each later posting that frees quota (a repayment, a void, a
refund) sweeps it back to the platform until the book's limit meets the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.ledger import Account, Balances, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.text import MAX_NOTE, printable_text
from creditline.domain.workdays import iso_local, local_text


class LimitChangeKind(StrEnum):
    OPEN = "open"  # the first grant
    SET = "set"  # an operator's decision
    REVIEW = "review"  # a periodic review (额度复审)
    APPEAL = "appeal"  # an appeal's decision (申诉)
    REQUEST = "request"  # an increase request (提额申请)
    TEMPORARY = "temporary"  # temporary quota (临时额度) granted
    TEMPORARY_END = "temporary_end"  # temporary quota ended
    CLOSE = "close"
    REOPEN = "reopen"


@dataclass(frozen=True, slots=True)
class LimitChange:
    """One recorded change of a line's limit target, with why (each reason a code and its
    zh/en text, rendered when the change was made) and what would restore it."""

    id: str
    line_id: str
    kind: LimitChangeKind
    previous: Money
    target: Money
    at: datetime
    actor: str = ""
    source: str = ""  # the review, appeal, request or incident behind the change
    note: str = ""
    reasons: tuple[dict[str, Any], ...] = ()
    restore_zh: str = ""
    restore_en: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def lowered(self) -> bool:
        return self.target < self.previous

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "line": self.line_id,
            "kind": self.kind.value,
            "lowered": self.lowered,
            "from_limit": self.previous.format(),
            "to_limit": self.target.format(),
            "currency": self.previous.currency,
            "at": iso_local(self.at),
            "actor": self.actor,
            "source": self.source,
            "note": self.note,
            "reasons": list(self.reasons),
            "restore_zh": self.restore_zh,
            "restore_en": self.restore_en,
        }


def parse_note(text: str | None, *, required: bool = False) -> str:
    if text is None or not text.strip():
        if required:
            raise InvalidInput("note", "note is required: say why")
        return ""
    return printable_text(text, "note", max_length=MAX_NOTE, strip=True)


def effective_limit(balances: Balances, target: Money | None) -> Money:
    """The limit spending is counted against: the book's, or the target while a reduction is
    still pending."""
    if target is None:
        return balances.limit
    return balances.limit.min(target)


def pending_reduction(balances: Balances, target: Money | None) -> Money:
    """How much of a lowered limit still waits for quota to free up."""
    if target is None:
        return Money.zero(balances.currency)
    return (balances.limit - target).max(Money.zero(balances.currency))


def limit_transfers(balances: Balances, target: Money | None, ref: str = "") -> list[Transfer]:
    """Move the book's limit towards ``target``: a raise is granted whole, a reduction takes
    only the available quota (never held, occupied or frozen quota)."""
    if target is None:
        return []
    gap = target - balances.limit
    if gap.is_positive:
        return [Transfer(Account.PLATFORM_LIMIT, Account.AVAILABLE, gap, Movement.GRANT, ref)]
    take = (-gap).min(balances.available)
    if take.is_positive:
        return [Transfer(Account.AVAILABLE, Account.PLATFORM_LIMIT, take, Movement.REDUCE, ref)]
    return []


def check_target(target: Money, currency: str, field_name: str = "limit") -> Money:
    if target.currency != currency:
        raise InvalidInput(field_name, f"{field_name} must be in {currency}")
    if target.minor < 0:
        raise InvalidInput(field_name, f"{field_name} must not be negative")
    return target


def check_closable(balances: Balances, line_id: str) -> None:
    """A line closes only when nothing is held or owed on it."""
    owed = [balances.held, balances.occupied, balances.fees_due]
    if any(m.is_positive for m in owed):
        reason = Reason(
            ReasonCode.LINE_NOT_SETTLED,
            {
                "line": line_id,
                "held": balances.held.format(),
                "occupied": balances.occupied.format(),
                "fees_due": balances.fees_due.format(),
            },
        )
        raise Refused(reason.code.value, reason.message_en, [reason])


def limit_reduced_reason(change: LimitChange, balances: Balances, target: Money | None) -> Reason:
    """``limit_reduced`` (R16): when and by whom the limit was lowered, why, and what would
    restore it; ``pending`` says the book's limit still waits for used quota to come back."""
    why_zh = "；".join(r.get("zh", "") for r in change.reasons if r.get("zh")) or (
        change.note or "平台调整"
    )
    why_en = "; ".join(r.get("en", "") for r in change.reasons if r.get("en")) or (
        change.note or "a platform decision"
    )
    pending = pending_reduction(balances, target)
    facts: dict[str, Any] = {
        "change": change.id,
        "kind": change.kind.value,
        "source": change.source,
        "from_limit": change.previous.format(),
        "to_limit": change.target.format(),
        "at": iso_local(change.at),
        "at_local": local_text(change.at),
        "reasons": list(change.reasons),
        "why_zh": why_zh,
        "why_en": why_en,
        "restore_zh": change.restore_zh or "保持良好经营，定期复审时会重新评估额度",
        "restore_en": change.restore_en
        or "keep a good record: the next periodic review assesses the limit again",
        "pending_reduction": pending.format(),
    }
    return Reason(ReasonCode.LIMIT_REDUCED, facts)


# -- increase requests (提额申请) ---------------------------------------------------------------
class RequestStatus(StrEnum):
    APPROVED = "approved"  # up to what was asked
    PARTIAL = "partial"  # up to what the assessment allows, less than asked
    REFERRED = "referred"  # an operator decides
    DECLINED = "declined"  # by an operator


@dataclass(frozen=True, slots=True)
class IncreaseDecision:
    status: RequestStatus
    limit: Money | None  # the new limit, when approved
    reasons: tuple[dict[str, str], ...]


def decide_increase(
    requested: Money,
    current: Money,
    *,
    proposed: Money,
    assessment_approves: bool,
    blocked: tuple[dict[str, str], ...] = (),
) -> IncreaseDecision:
    """The automatic decision on a request for a limit of ``requested`` (the whole limit, not
    the step): approved up to what the assessment (``proposed``) allows; referred to an operator
    when the assessment refers, proposes no more than now, or the line is ``blocked`` (frozen,
    a reduction pending, an appeal open)."""
    if blocked:
        return IncreaseDecision(RequestStatus.REFERRED, None, blocked)
    if not assessment_approves or proposed <= current:
        reason = {
            "code": "assessment_not_higher",
            "zh": f"评估建议额度 {proposed.format()} 不高于当前额度 {current.format()}，转人工审核",
            "en": f"the assessment proposes {proposed.format()}, no more than the current "
            f"{current.format()}: an operator decides",
        }
        return IncreaseDecision(RequestStatus.REFERRED, None, (reason,))
    if requested <= proposed:
        reason = {
            "code": "within_assessment",
            "zh": f"评估建议额度 {proposed.format()}，"
            f"申请额度 {requested.format()} 在其内，自动通过",
            "en": f"the {requested.format()} asked for is within the {proposed.format()} the "
            "assessment proposes: approved",
        }
        return IncreaseDecision(RequestStatus.APPROVED, requested, (reason,))
    reason = {
        "code": "capped_by_assessment",
        "zh": f"申请 {requested.format()} 高于评估建议额度 {proposed.format()}，按建议额度通过",
        "en": f"the {requested.format()} asked for is above the {proposed.format()} the "
        "assessment proposes: approved up to that",
    }
    return IncreaseDecision(RequestStatus.PARTIAL, proposed, (reason,))


@dataclass(frozen=True, slots=True)
class LimitRequest:
    """A holder's request for a higher limit and what became of it."""

    id: str
    line_id: str
    party_id: str
    requested: Money
    current: Money
    reason: str
    status: RequestStatus
    created_at: datetime
    requested_by: str = ""
    assessment_id: str | None = None
    score: int | None = None
    proposed: Money | None = None
    decided_limit: Money | None = None
    reasons: tuple[dict[str, str], ...] = ()
    change_id: str | None = None
    decided_by: str = ""
    note: str = ""
    decided_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "line": self.line_id,
            "party": self.party_id,
            "requested_limit": self.requested.format(),
            "current_limit": self.current.format(),
            "currency": self.requested.currency,
            "reason": self.reason,
            "status": self.status.value,
            "requested_by": self.requested_by,
            "assessment": self.assessment_id,
            "score": self.score,
            "proposed_limit": None if self.proposed is None else self.proposed.format(),
            "decided_limit": None if self.decided_limit is None else self.decided_limit.format(),
            "reasons": list(self.reasons),
            "change": self.change_id,
            "decided_by": self.decided_by,
            "note": self.note,
            "created_at": iso_local(self.created_at),
            "decided_at": None if self.decided_at is None else iso_local(self.decided_at),
        }
