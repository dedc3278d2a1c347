"""Periodic limit reviews (额度复审, R19): from a line's review facts and the policy in force, the
limit it should have now and why.

Each reason that lowers the limit takes its policy share (``*_cut``) from the line's *base*:
the limit before any review reduction still standing. Reasons do not compound: several at once
give the lowest of their targets, so a line with stale documents and overdue occupancy is cut
by the larger share, once. When no lowering reason holds any more, the base comes back
(``restored``); with none standing and months of steady good history, the limit rises by the
policy's step, capped by the largest raise and the product's cap (``good_history``). Every
amount is rounded down to the policy's ``limit_rounding``. Integer and Decimal arithmetic only.

Temporary quota (临时额度) rides on top: it is not part of the base, reductions leave it alone,
and it ends by itself as granted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from creditline.domain.credit import review_texts as texts
from creditline.domain.credit.merchant_facts import tenths_percent
from creditline.domain.credit.review_facts import (
    DOCUMENT_CODES,
    ReviewCode,
    ReviewFacts,
    Standing,
    days_between,
    whole_months,
)
from creditline.domain.money import Money
from creditline.domain.policy import Policy
from creditline.domain.quota.documents import Document, current_documents
from creditline.domain.quota.parties import PartyKind
from creditline.domain.workdays import local_date


class Decision(StrEnum):
    RAISED = "raised"
    LOWERED = "lowered"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class ReviewReason:
    code: ReviewCode
    zh: str
    en: str
    restore_zh: str
    restore_en: str
    target: Money  # the limit this reason alone leads to (temporary quota aside)
    facts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "zh": self.zh,
            "en": self.en,
            "restore_zh": self.restore_zh,
            "restore_en": self.restore_en,
            "target_limit": self.target.format(),
            "facts": self.facts,
        }


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    decision: Decision
    target: Money  # the new limit target (temporary quota included)
    base: Money  # the base after the review (a raise moves it)
    reasons: tuple[ReviewReason, ...]
    #: The lowering reasons in force, code → target: what a resubmission or the next review
    #: may lift.
    standing: dict[str, Money]

    @property
    def restore(self) -> tuple[str, str]:
        """What restores the limit: every lowering reason's own way, joined."""
        lowering = [r for r in self.reasons if r.code.value in self.standing]
        return (
            "；".join(r.restore_zh for r in lowering if r.restore_zh),
            "; ".join(r.restore_en for r in lowering if r.restore_en),
        )

    def detail(self, review_id: str | None) -> dict[str, Any]:
        """What the limit change keeps for the next review and for a resubmission."""
        return {
            "review": review_id,
            "base": self.base.format(),
            "standing": {code: t.format() for code, t in sorted(self.standing.items())},
        }


def decide(facts: ReviewFacts, policy: Policy, now: datetime) -> ReviewDecision:
    """The review of one line: every lowering reason that holds, else a restoration of the
    base, else a raise for good history, else no change."""
    base, extra = facts.standing.base, facts.standing.extra
    today = local_date(now)
    lowering = [
        r
        for r in (
            _return_rate(facts, policy, base),
            *document_reasons(facts.documents, policy, today, base, merchant=_merchant(facts)),
            _inactivity(facts, policy, base, now),
            _overdue(facts, policy, base),
            _score_drop(facts, policy, base),
        )
        if r is not None
    ]
    if lowering:
        target = min(r.target for r in lowering) + extra
        standing = {r.code.value: r.target for r in lowering}
        return ReviewDecision(
            _direction(target, facts.limit_now), target, base, tuple(lowering), standing
        )
    if facts.limit_now < base + extra:
        code_texts = texts.restored()
        reason = ReviewReason(ReviewCode.RESTORED, *code_texts, base, {"base_limit": base.format()})
        return ReviewDecision(Decision.RAISED, base + extra, base, (reason,), {})
    raised = _good_history(facts, policy, base, now)
    if raised is not None:
        return ReviewDecision(Decision.RAISED, raised.target + extra, raised.target, (raised,), {})
    return ReviewDecision(Decision.UNCHANGED, facts.limit_now, base, (), {})


def resubmission(
    standing: Standing,
    documents: Sequence[Document],
    policy: Policy,
    *,
    now: datetime,
    limit_now: Money,
    submitted: str,
) -> tuple[ReviewDecision, list[dict[str, Any]]] | None:
    """After a document is added: when a standing ``documents_stale`` or ``documents_required``
    reduction no longer holds, the limit it took comes back at once (the other standing
    reductions stay, with the texts the review gave them). None when nothing clears."""
    held = [code for code in standing.reductions if code in DOCUMENT_CODES]
    if not held:
        return None
    firing = {
        r.code.value
        for r in document_reasons(documents, policy, local_date(now), standing.base, merchant=True)
    }
    cleared = [code for code in held if code not in firing]
    if not cleared:
        return None
    remaining = {c: t for c, t in standing.reductions.items() if c not in cleared}
    target = min(remaining.values(), default=standing.base) + standing.extra
    zh, en, _, _ = texts.resubmitted([submitted])
    reason = ReviewReason(
        ReviewCode.DOCUMENTS_RESUBMITTED, zh, en, "", "", target, {"cleared": sorted(cleared)}
    )
    kept = [standing.reasons.get(code, {"code": code}) for code in sorted(remaining)]
    decision = ReviewDecision(
        _direction(target, limit_now), target, standing.base, (reason,), remaining
    )
    return decision, [reason.to_json(), *kept]


def _direction(target: Money, now: Money) -> Decision:
    if target < now:
        return Decision.LOWERED
    return Decision.RAISED if target > now else Decision.UNCHANGED


def _merchant(facts: ReviewFacts) -> bool:
    return facts.party_kind is PartyKind.MERCHANT


def cut(base: Money, share: Decimal, step: Money) -> Money:
    """``base`` less ``share`` of it, rounded down to ``step``."""
    kept = (Decimal(base.minor) * (Decimal(1) - share)).to_integral_value(rounding=ROUND_FLOOR)
    return round_down(Money(int(kept), base.currency), step)


def round_down(amount: Money, step: Money) -> Money:
    minor = max(amount.minor, 0)
    if step.minor > 0:
        minor -= minor % step.minor
    return Money(minor, amount.currency)


def _step(policy: Policy, currency: str) -> Money:
    return policy.money("limit_rounding", currency)


def _return_rate(facts: ReviewFacts, policy: Policy, base: Money) -> ReviewReason | None:
    if not _merchant(facts) or facts.category not in policy.names("return_rate_categories"):
        return None
    limit = policy.rate("return_rate_max")
    if facts.orders < policy.integer("return_rate_min_orders"):
        return None
    if Decimal(facts.returns) <= limit * facts.orders:
        return None
    rate = tenths_percent(facts.returns, facts.orders) or Decimal(0)
    share = policy.rate("return_rate_cut")
    days = policy.integer("return_rate_window_days")
    return ReviewReason(
        ReviewCode.RETURN_RATE_HIGH,
        *texts.return_rate_high(rate, limit, days, facts.category or "", share),
        cut(base, share, _step(policy, base.currency)),
        {"orders": facts.orders, "returns": facts.returns, "return_rate_pct": str(rate)},
    )


def document_reasons(
    documents: Sequence[Document], policy: Policy, today: date, base: Money, *, merchant: bool
) -> list[ReviewReason]:
    """``documents_stale`` (a required document older than the policy's age, or expired) and
    ``documents_required`` (one the policy requires that is not on file): merchants only."""
    if not merchant:
        return []
    required = policy.names("required_documents")
    current = {t.value: d for t, d in current_documents(documents).items()}
    max_age = policy.integer("document_max_age_days")
    share = policy.rate("documents_cut")
    target = cut(base, share, _step(policy, base.currency))
    out: list[ReviewReason] = []
    stale = []
    for doc_type in required:
        doc = current.get(doc_type)
        if doc is None:
            continue
        if doc.expires_on is not None and doc.expires_on < today:
            when = doc.expires_on.isoformat()
            stale.append((doc_type, f"已于{when}过期", f"expired on {when}", doc))
        elif (today - doc.submitted_on).days > max_age:
            when = doc.submitted_on.isoformat()
            stale.append(
                (
                    doc_type,
                    f"提交于{when}，已超过{max_age}天",
                    f"was submitted on {when}, over {max_age} days ago",
                    doc,
                )
            )
    if stale:
        facts = {"documents": [{"type": t, "id": d.id} for t, _, _, d in stale]}
        out.append(
            ReviewReason(
                ReviewCode.DOCUMENTS_STALE,
                *texts.documents_stale([(t, z, e) for t, z, e, _ in stale], max_age, share),
                target,
                facts,
            )
        )
    missing = [t for t in required if t not in current]
    if missing:
        out.append(
            ReviewReason(
                ReviewCode.DOCUMENTS_REQUIRED,
                *texts.documents_required(missing, share),
                target,
                {"missing": missing},
            )
        )
    return out


def _inactivity(
    facts: ReviewFacts, policy: Policy, base: Money, now: datetime
) -> ReviewReason | None:
    days = days_between(facts.last_spend_at or facts.opened_at, now)
    limit = policy.integer("inactivity_days")
    if days <= limit or not base.is_positive:
        return None
    share = policy.rate("inactivity_cut")
    return ReviewReason(
        ReviewCode.INACTIVITY,
        *texts.inactivity(days, limit, share),
        cut(base, share, _step(policy, base.currency)),
        {"days_since_spend": days},
    )


def _overdue(facts: ReviewFacts, policy: Policy, base: Money) -> ReviewReason | None:
    if facts.overdue <= 0:
        return None
    share = policy.rate("overdue_cut")
    return ReviewReason(
        ReviewCode.OVERDUE,
        *texts.overdue(facts.overdue, policy.integer("occupancy_limit_days"), share),
        cut(base, share, _step(policy, base.currency)),
        {"overdue": facts.overdue},
    )


def _score_drop(facts: ReviewFacts, policy: Policy, base: Money) -> ReviewReason | None:
    parts_zh: list[str] = []
    parts_en: list[str] = []
    detail: dict[str, Any] = {}
    before, now = facts.score_baseline, facts.credit_score
    if (
        before is not None
        and now is not None
        and before - now >= policy.integer("score_drop_points")
    ):
        parts_zh.append(f"信用分由{before}降至{now}")
        parts_en.append(f"the credit score fell from {before} to {now}")
        detail |= {"credit_score": now, "score_baseline": before}
    was, income = facts.income_baseline, facts.income
    if (
        was is not None
        and income is not None
        and was.is_positive
        and Decimal(income.minor) <= Decimal(was.minor) * (1 - policy.rate("income_drop"))
    ):
        was_zh, was_en = texts.yuan(was)
        now_zh, now_en = texts.yuan(income)
        parts_zh.append(f"月收入由{was_zh}降至{now_zh}")
        parts_en.append(f"the monthly income fell from {was_en} to {now_en}")
        detail |= {"income": income.format(), "income_baseline": was.format()}
    if not parts_zh:
        return None
    share = policy.rate("score_drop_cut")
    return ReviewReason(
        ReviewCode.SCORE_DROP,
        *texts.score_drop(parts_zh, parts_en, share),
        cut(base, share, _step(policy, base.currency)),
        detail,
    )


def _good_history(
    facts: ReviewFacts, policy: Policy, base: Money, now: datetime
) -> ReviewReason | None:
    months = whole_months(facts.good_since or facts.opened_at, now)
    if months < policy.integer("good_history_months") or facts.last_spend_at is None:
        return None
    if days_between(facts.last_spend_at, now) > policy.integer("inactivity_days"):
        return None
    currency = base.currency
    step = _step(policy, currency)
    raise_by = cut(base, 1 - policy.rate("raise_step"), Money(1, currency)).min(
        policy.money("raise_max", currency)
    )
    cap = policy.money(f"{facts.product.value}_limit_cap", currency)
    target = round_down((base + raise_by).min(cap), step)
    if target <= base:
        return None
    return ReviewReason(
        ReviewCode.GOOD_HISTORY,
        *texts.good_history(months, target - base),
        target,
        {"good_months": months, "product_cap": cap.format()},
    )
