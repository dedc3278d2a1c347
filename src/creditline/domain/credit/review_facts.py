"""The facts of a periodic limit review (额度复审): the reason codes, what earlier reviews left
on a line (its base before standing reductions, temporary quota on top), what a review looks at
for one line, and the score and income a fall is measured from. The rules are
``review_rules``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from creditline.domain.credit.merchant_facts import tenths_percent
from creditline.domain.money import Money
from creditline.domain.quota.documents import Document, current_documents
from creditline.domain.quota.limits import LimitChange, LimitChangeKind
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product
from creditline.domain.workdays import iso_local, local_date


class ReviewCode(StrEnum):
    RETURN_RATE_HIGH = "return_rate_high"
    DOCUMENTS_STALE = "documents_stale"
    DOCUMENTS_REQUIRED = "documents_required"
    INACTIVITY = "inactivity"
    OVERDUE = "overdue"
    SCORE_DROP = "score_drop"
    GOOD_HISTORY = "good_history"
    RESTORED = "restored"  # the reasons of a standing reduction no longer hold
    DOCUMENTS_RESUBMITTED = "documents_resubmitted"  # restored at once by a resubmission


#: The reasons a resubmitted document clears at once, without waiting for the next review.
DOCUMENT_CODES = frozenset({ReviewCode.DOCUMENTS_STALE, ReviewCode.DOCUMENTS_REQUIRED})
_TEMPORARY = (LimitChangeKind.TEMPORARY, LimitChangeKind.TEMPORARY_END)


@dataclass(frozen=True, slots=True)
class Standing:
    """What earlier reviews left on a line: the base limit, the targets of the reductions still
    standing (code → target, without temporary quota) and the temporary quota on top."""

    base: Money
    reductions: dict[str, Money] = field(default_factory=dict)
    temporary: Money | None = None
    #: The reasons as the last review gave them (code → its zh/en texts), to repeat them.
    reasons: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def extra(self) -> Money:
        return self.temporary or Money.zero(self.base.currency)


def standing_of(changes: Sequence[LimitChange], limit_now: Money) -> Standing:
    """From the line's latest limit changes (newest first): the base and standing reductions
    the last review recorded, unless another change (an operator's, an appeal's...) came after
    it; temporary quota granted or ended since is counted apart."""
    zero = Money.zero(limit_now.currency)
    temporary = zero
    for change in changes:
        if change.kind in _TEMPORARY:
            temporary = temporary + (change.target - change.previous)
            continue
        if change.kind is LimitChangeKind.REVIEW and "base" in change.detail:
            cur = limit_now.currency
            reductions = {
                code: Money.parse(str(target), cur)
                for code, target in dict(change.detail.get("standing", {})).items()
            }
            base = Money.parse(str(change.detail["base"]), cur)
            given = {str(r.get("code")): dict(r) for r in change.reasons}
            return Standing(base, reductions, temporary, given)
        break
    return Standing((limit_now - temporary).max(zero), {}, temporary)


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What a review looks at for one line, read in the line's transaction."""

    line_id: str
    party_kind: PartyKind
    product: Product
    category: str | None
    limit_now: Money  # the limit the line should have now (its target)
    standing: Standing
    used: Money  # held, occupied and frozen: what a reduction cannot take now
    opened_at: datetime
    orders: int  # the merchant's orders in the return-rate window
    returns: int  # ... of which returned, whole or part
    documents: Sequence[Document]  # every document on file (the latest of each type counts)
    last_spend_at: datetime | None
    overdue: int  # occupancies past the occupancy limit, and overdue installments
    credit_score: int | None
    income: Money | None
    #: The credit score and income a fall is measured from: at the previous review, or kept
    #: from before the fall while a ``score_drop`` reduction stands. None at the first review.
    score_baseline: int | None = None
    income_baseline: Money | None = None
    good_since: datetime | None = None  # the later of opening, last limit change, last freeze

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The facts as the outcome keeps them (the next review reads the score and income)."""
        rate = tenths_percent(self.returns, self.orders)
        return {
            "product": self.product.value,
            "party_kind": self.party_kind.value,
            "category": self.category,
            "limit_now": self.limit_now.format(),
            "base_limit": self.standing.base.format(),
            "temporary_limit": self.standing.extra.format(),
            "used": self.used.format(),
            "orders": self.orders,
            "returns": self.returns,
            "return_rate_pct": None if rate is None else str(rate),
            "documents": [
                {
                    "type": d.type.value,
                    "submitted_on": d.submitted_on.isoformat(),
                    "expires_on": None if d.expires_on is None else d.expires_on.isoformat(),
                }
                for _, d in sorted(current_documents(self.documents).items())
            ],
            "days_since_spend": days_between(self.last_spend_at or self.opened_at, now),
            "last_spend_at": None if self.last_spend_at is None else iso_local(self.last_spend_at),
            "overdue": self.overdue,
            "credit_score": self.credit_score,
            "income": None if self.income is None else self.income.format(),
            "score_baseline": self.score_baseline,
            "income_baseline": None
            if self.income_baseline is None
            else self.income_baseline.format(),
            "good_months": whole_months(self.good_since or self.opened_at, now),
        }


def baselines(
    previous: dict[str, Any] | None, standing: Standing, currency: str
) -> tuple[int | None, Money | None]:
    """The score and income a fall is measured from, given the previous review's facts: its
    own values, or the baseline it kept while a ``score_drop`` reduction still stands."""
    if previous is None:
        return None, None
    kept = ReviewCode.SCORE_DROP.value in standing.reductions
    score = previous.get("score_baseline" if kept else "credit_score")
    income = previous.get("income_baseline" if kept else "income")
    return (
        score if isinstance(score, int) else None,
        Money.parse(income, currency) if isinstance(income, str) else None,
    )


def days_between(since: datetime, now: datetime) -> int:
    return max((local_date(now) - local_date(since)).days, 0)


def whole_months(since: datetime, now: datetime) -> int:
    """Whole calendar months from ``since`` to ``now`` (Beijing dates)."""
    a, b = local_date(since), local_date(now)
    months = (b.year - a.year) * 12 + b.month - a.month - (1 if b.day < a.day else 0)
    return max(months, 0)
