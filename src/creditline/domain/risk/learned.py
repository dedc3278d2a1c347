"""A learned risk model (机器学习风控模型) beside the rules: what it reads, and how its score joins
the rules' verdict.

The model (a gradient-boosted tree ensemble, ``adapters.risk.learned_model``) reads the
features named in ``MODEL_FEATURES`` and answers a score from 0 to 100 with the features that
pushed it up most (their SHAP contributions, in hundredths). Its score feeds the rule set's own
thresholds (approve, review, decline); the rules stay as guardrails beside it, and the verdict
takes the stronger of the two. Which model a rule set uses is the rule set's ``model`` entry:
``none``, ``live`` (the newest version) or a version number.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from creditline.domain.risk.rules import SEVERITY, Fired, Outcome, Signal, Verdict

#: What the model reads, in its column order, with the kind of cash-out each feature speaks for
#: (operators see it with the model's reasons) and whether its growth may only raise the score
#: (LightGBM monotone constraints: more evidence of cash-out never makes a spend look safer).
#: Evidence of cash-out only: volume and size (the amount, spend counts and sums, account age,
#: logins, declines) are left out on purpose. They describe how big or busy a holder is, which
#: the simulator cannot draw like the world does, and a model fitted on them would decline
#: honest big spenders and anyone retrying after a refusal. ``is_merchant`` is derived by the
#: adapter.
_READS: tuple[tuple[str, Signal | None, bool], ...] = (
    ("is_merchant", None, False),
    ("purpose_forbidden", Signal.FORBIDDEN_PURPOSE, True),
    ("near_threshold", Signal.THRESHOLD_SPLIT, True),
    ("near_threshold_24h", Signal.THRESHOLD_SPLIT, True),
    ("near_threshold_7d", Signal.THRESHOLD_SPLIT, True),
    ("forbidden_attempts_7d", Signal.FORBIDDEN_PURPOSE, True),
    ("refunds_30d", Signal.FAKE_ORDERS, False),
    ("returns_30d", Signal.FAKE_ORDERS, False),
    ("return_rate_30d", Signal.FAKE_ORDERS, False),
    ("linked_parties", Signal.LINKED_COUNTERPARTY, False),
    ("strong_linked_parties", Signal.LINKED_COUNTERPARTY, False),
    ("counterparty_linked", Signal.LINKED_COUNTERPARTY, True),
    ("counterparty_strong_link", Signal.LINKED_COUNTERPARTY, True),
    ("counterparty_link", Signal.LINKED_COUNTERPARTY, True),
    ("linked_spends_30d", Signal.LINKED_COUNTERPARTY, True),
    ("linked_near_threshold_24h", Signal.THRESHOLD_SPLIT, True),
    ("linked_forbidden_7d", Signal.FORBIDDEN_PURPOSE, True),
    ("money_back_7d", Signal.MONEY_BACK, True),
    ("money_back_45d", Signal.MONEY_BACK, True),
    ("money_back_share", Signal.MONEY_BACK, True),
    ("ring_member", Signal.LINKED_COUNTERPARTY, True),
)
MODEL_FEATURES: tuple[str, ...] = tuple(name for name, _, _ in _READS)
MONOTONE_UP = frozenset(name for name, _, up in _READS if up)
FEATURE_SIGNALS: dict[str, Signal] = {name: sig for name, sig, _ in _READS if sig is not None}
TOP = 3  # contributions kept with a verdict


@dataclass(frozen=True, slots=True)
class ModelScore:
    """The model's answer for one event."""

    version: int
    score: int  # 0-100
    top: tuple[tuple[str, int], ...] = ()  # (feature, contribution in hundredths), largest first


def model_outcome(score: int, *, review_at: int, decline_at: int) -> Outcome:
    if score >= decline_at:
        return Outcome.DECLINE
    if score >= review_at:
        return Outcome.REVIEW
    return Outcome.APPROVE


def combine(verdict: Verdict, model: ModelScore, *, review_at: int, decline_at: int) -> Verdict:
    """The rules' verdict with the model's beside it: the higher score, the severer outcome,
    and the model as one more entry among the reasons (operators read its top factors)."""
    outcome = model_outcome(model.score, review_at=review_at, decline_at=decline_at)
    signal = FEATURE_SIGNALS.get(model.top[0][0], Signal.VELOCITY) if model.top else None
    factors = ", ".join(f"{name} {Decimal(points).scaleb(-2):+}" for name, points in model.top)
    entry = Fired(
        rule=f"model_v{model.version}",
        reason=f"model_{signal.value}" if signal else "model_score",
        outcome=outcome,
        weight=model.score,
        signal=signal or Signal.VELOCITY,
        freeze_hours=0,  # a statistical guess holds or declines one spend; it freezes nothing
        message_zh=f"模型 v{model.version} 评分 {model.score}（{factors or '无突出因素'}）",
        message_en=f"model v{model.version} score {model.score} ({factors or 'no main factor'})",
    )
    final = verdict.outcome if SEVERITY[verdict.outcome] >= SEVERITY[outcome] else outcome
    fired = sorted((*verdict.fired, entry), key=lambda f: (-SEVERITY[f.outcome], -f.weight, f.rule))
    return Verdict(final, max(verdict.score, model.score), tuple(fired), verdict.rule_set_version)
