"""Appeals (申诉, R15): a holder asks for its line back with evidence; an operator of role risk
decides. The rules of a decision live here, pure:

* ``restore`` brings the limit back to what it was before the run of reductions that led to the
  appeal (or to the ``limit`` the operator names) and lifts the freezes named, by default every
  freeze in force that an appeal can answer: ``risk``, ``dispute`` and ``operator``. Not
  ``occupancy`` (repaying lifts it), ``qualification`` (a new document does) nor
  ``system_fault`` (closing the incident does): those are lifted only when named.
* ``partial`` sets a limit below that one (``limit`` required) and lifts only the freezes named.
* ``reject`` changes nothing.

``partial`` and ``reject`` say why (a note). A line has at most one open appeal at a time; while
it is open, the diagnosis warns of it, and it never changes what a spend does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from creditline.domain.credit.appeal_evidence import Evidence
from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.quota.freezes import Freeze, FreezeReason
from creditline.domain.quota.limits import LimitChange, LimitChangeKind
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.text import printable_text
from creditline.domain.workdays import iso_local, local_text

#: The longest reason a holder may give.
MAX_REASON = 2000


class AppealStatus(StrEnum):
    SUBMITTED = "submitted"
    DECIDED = "decided"


class AppealOutcome(StrEnum):
    RESTORE = "restore"
    PARTIAL = "partial"
    REJECT = "reject"


STATUS_NAMES: dict[AppealStatus, tuple[str, str]] = {
    AppealStatus.SUBMITTED: ("处理中", "awaiting a decision"),
    AppealStatus.DECIDED: ("已处理", "decided"),
}
OUTCOME_NAMES: dict[AppealOutcome, tuple[str, str]] = {
    AppealOutcome.RESTORE: ("全部恢复", "restored"),
    AppealOutcome.PARTIAL: ("部分恢复", "partly restored"),
    AppealOutcome.REJECT: ("驳回", "rejected"),
}
#: What each step of an appeal is called (``appeal show``).
STEP_NAMES: dict[str, tuple[str, str]] = {
    "submitted": ("提交申诉", "submitted"),
    "reassessed": ("重新评估", "re-assessed"),
    "freeze_lifted": ("解除冻结", "freeze lifted"),
    "limit_changed": ("额度调整", "limit changed"),
    "decided": ("作出决定", "decided"),
}
#: Freezes a ``restore`` lifts when the operator names none.
APPEALABLE_FREEZES = frozenset({FreezeReason.RISK, FreezeReason.DISPUTE, FreezeReason.OPERATOR})
#: Limit changes that neither begin nor end a run of reductions: an earlier appeal's partial
#: restoration is part of it, and temporary quota comes and goes beside it.
_INSIDE_A_RUN = frozenset(
    {LimitChangeKind.APPEAL, LimitChangeKind.TEMPORARY, LimitChangeKind.TEMPORARY_END}
)


@dataclass(frozen=True, slots=True)
class Appeal:
    """One appeal of a line, as kept: what the holder said and showed, and the decision."""

    id: str
    line_id: str
    party_id: str
    currency: str
    reason: str
    evidence: dict[str, Any]
    created_at: datetime
    submitted_by: str = ""
    status: AppealStatus = AppealStatus.SUBMITTED
    outcome: AppealOutcome | None = None
    decided_limit: Money | None = None
    lifted_freezes: tuple[str, ...] = ()
    decision_note: str = ""
    decided_at: datetime | None = None
    decided_by: str = ""

    def to_json(self) -> dict[str, Any]:
        status_zh, status_en = STATUS_NAMES[self.status]
        outcome_zh, outcome_en = OUTCOME_NAMES[self.outcome] if self.outcome else ("", "")
        return {
            "id": self.id,
            "line": self.line_id,
            "party": self.party_id,
            "currency": self.currency,
            "status": self.status.value,
            "status_zh": status_zh,
            "status_en": status_en,
            "reason": self.reason,
            "evidence": self.evidence,
            "created_at": iso_local(self.created_at),
            "submitted_by": self.submitted_by,
            "outcome": self.outcome.value if self.outcome else None,
            "outcome_zh": outcome_zh,
            "outcome_en": outcome_en,
            "decided_limit": self.decided_limit.format() if self.decided_limit else None,
            "lifted_freezes": list(self.lifted_freezes),
            "decision_note": self.decision_note,
            "decided_at": iso_local(self.decided_at) if self.decided_at else None,
            "decided_by": self.decided_by,
        }


@dataclass(frozen=True, slots=True)
class AppealStep:
    """One step of an appeal: who did what, when (每一步：谁、何时)."""

    n: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        zh, en = STEP_NAMES.get(self.action, (self.action, self.action))
        return {
            "n": self.n,
            "at": iso_local(self.at),
            "actor": self.actor,
            "action": self.action,
            "action_zh": zh,
            "action_en": en,
            "detail": self.detail,
        }


def parse_reason_text(text: str | None) -> str:
    """The holder's reason: required, printable, at most ``MAX_REASON`` characters."""
    if text is None or not text.strip():
        raise InvalidInput("reason", "reason is required: say why the line should be restored")
    return printable_text(text, "reason", max_length=MAX_REASON, strip=True)


def parse_outcome(text: str) -> AppealOutcome:
    try:
        return AppealOutcome(text)
    except ValueError:
        known = ", ".join(o.value for o in AppealOutcome)
        raise InvalidInput("outcome", f"outcome must be one of {known}") from None


def parse_status(text: str) -> AppealStatus:
    try:
        return AppealStatus(text)
    except ValueError:
        known = ", ".join(s.value for s in AppealStatus)
        raise InvalidInput("status", f"status must be one of {known}") from None


def check_decision(
    outcome: AppealOutcome, *, limit_given: bool, freezes_named: bool, note: str
) -> None:
    """What a decision must and must not carry, checked before anything is read."""
    if outcome is AppealOutcome.REJECT:
        if limit_given:
            raise InvalidInput("limit", "a rejection changes no limit: leave limit out")
        if freezes_named:
            raise InvalidInput("lift_freeze", "a rejection lifts no freeze: name none")
    if outcome is AppealOutcome.PARTIAL and not limit_given:
        raise InvalidInput("limit", "a partial restoration needs the limit it restores to")
    if outcome is not AppealOutcome.RESTORE and not note:
        raise InvalidInput("note", f"note is required for {outcome.value}: say why")


def limit_before_reductions(changes: Sequence[LimitChange], current: Money) -> Money:
    """The limit before the latest run of reductions (``changes`` newest first): walk back
    over the reductions (and the appeals and temporary quota inside the run) to the first
    change that is neither; no reduction: ``current``."""
    before = current
    for change in changes:
        if change.kind in _INSIDE_A_RUN:
            continue
        if not change.lowered:
            break
        before = change.previous
    return before.max(current)


def decided_target(outcome: AppealOutcome, limit: Money | None, before: Money) -> Money | None:
    """The limit a decision sets (None: it sets none)."""
    if outcome is AppealOutcome.REJECT:
        return None
    if limit is not None and not limit.is_positive:
        raise InvalidInput("limit", "limit must be more than 0")
    if outcome is AppealOutcome.RESTORE:
        if limit is None and not before.is_positive:
            raise InvalidInput("limit", "the line had no limit before: name the limit to restore")
        return before if limit is None else limit
    assert limit is not None  # check_decision asked for it
    if limit >= before:
        raise InvalidInput(
            "limit",
            f"a partial restoration sets less than the limit before the reductions "
            f"({before.format()}); restore gives that back",
        )
    return limit


def freezes_to_lift(
    outcome: AppealOutcome, named: Sequence[str], in_force: Sequence[Freeze]
) -> list[Freeze]:
    """The freezes a decision lifts: the ``named`` ones (each must be in force on the line),
    else for ``restore`` every appealable freeze in force."""
    standing = {f.id: f for f in in_force}
    for freeze_id in named:
        if freeze_id not in standing:
            raise InvalidInput(
                "lift_freeze", f"freeze {freeze_id[:64]!r} is not in force on this line"
            )
    if named:
        return [standing[f] for f in dict.fromkeys(named)]
    if outcome is AppealOutcome.RESTORE:
        return [f for f in in_force if f.reason in APPEALABLE_FREEZES]
    return []


def decision_reasons(
    appeal_id: str, outcome: AppealOutcome, target: Money, note: str
) -> tuple[list[dict[str, str]], tuple[str, str]]:
    """The limit change's reasons and what would restore it further, for the holder."""
    said_zh = f"（{note}）" if note else ""
    said_en = f" ({note})" if note else ""
    if outcome is AppealOutcome.RESTORE:
        reason = {
            "code": "appeal_restored",
            "zh": f"申诉 {appeal_id} 已通过：额度恢复为 {target.format()}{said_zh}",
            "en": f"appeal {appeal_id} upheld: the limit is restored to {target.format()}{said_en}",
        }
    else:
        reason = {
            "code": "appeal_partial",
            "zh": f"申诉 {appeal_id} 部分通过：额度恢复为 {target.format()}{said_zh}",
            "en": f"appeal {appeal_id} partly upheld: the limit is set to "
            f"{target.format()}{said_en}",
        }
    restore = (
        "如有新的证据（订单、对账单、金额、材料），可再次提交申诉",
        "appeal again with new evidence (orders, statement lines, amounts, documents)",
    )
    return [reason], restore


def appeal_facts(appeal: Appeal) -> dict[str, Any]:
    return {
        "appeal": appeal.id,
        "line": appeal.line_id,
        "submitted_at": iso_local(appeal.created_at),
        "submitted_local": local_text(appeal.created_at),
    }


def pending_warning(appeal: Appeal) -> Reason:
    """``appeal_pending``: said beside the diagnosis, never a refusal (a pending appeal does
    not change what a spend does)."""
    return Reason(ReasonCode.APPEAL_PENDING, appeal_facts(appeal))


def already_open(appeal: Appeal) -> Reason:
    return Reason(ReasonCode.APPEAL_ALREADY_OPEN, appeal_facts(appeal))


def not_open(appeal: Appeal) -> Reason:
    facts = appeal_facts(appeal)
    facts["decided_local"] = local_text(appeal.decided_at) if appeal.decided_at else ""
    facts["outcome"] = appeal.outcome.value if appeal.outcome else ""
    return Reason(ReasonCode.APPEAL_NOT_OPEN, facts)


def evidence_summary(evidence: Evidence) -> dict[str, int]:
    """How much of each kind of evidence came (the submitted step's detail)."""
    return evidence.counts()
