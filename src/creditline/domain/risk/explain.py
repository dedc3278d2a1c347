"""A risk verdict (风控结论) as the holder is told it: the reason with the deciding rules' codes
and zh/en texts (the decline, the review, ``why``'s recent declines), and as answers carry it."""

from __future__ import annotations

from typing import Any

from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.risk.rules import Outcome, Verdict


def holder_reasons(verdict: Verdict) -> list[Reason]:
    """A risk decline as the holder sees it: its rule codes and what to do (zh/en)."""
    if verdict.outcome is not Outcome.DECLINE:
        return []
    return [_reason(ReasonCode.RISK_DECLINED, verdict)]


def review_warning(verdict: Verdict) -> Reason | None:
    """A spend held for review, as the holder is told: a warning, not a refusal."""
    return _reason(ReasonCode.RISK_REVIEW, verdict) if verdict.outcome is Outcome.REVIEW else None


def _reason(code: ReasonCode, verdict: Verdict) -> Reason:
    return risk_reason(code, [f.to_json() for f in verdict.fired])


#: The rule reasons that are about the purpose of the spend: the product's own rule, which the
#: holder may be told (quota never pays cash or transfers); every other reason is a check.
PURPOSE_REASONS = frozenset(
    {"cashout_forbidden_purpose", "forbidden_purpose_attempt", "spend_after_forbidden_attempts"}
)
_PURPOSE = (
    "额度只能用于经营或消费，不能用于提现或转账",
    "quota pays for goods and services, not cash or transfers",
)
_CHECK = ("这笔交易需要进一步核实", "this transaction needs to be verified")


def risk_reason(code: ReasonCode, fired: list[dict[str, Any]], **facts: Any) -> Reason:
    """The holder's risk reason from the rules that fired (as stored): what kind of check it
    was (the spend's purpose, or a verification) and what to do, in zh/en. Which rules fired,
    their weights, the score and the windows stay with the operators (the decision record)."""
    deciding = [f for f in fired if f.get("outcome") != Outcome.APPROVE.value] or fired
    purpose = bool(deciding) and all(f.get("code") in PURPOSE_REASONS for f in deciding)
    zh, en = _PURPOSE if purpose else _CHECK
    kept = {k: v for k, v in facts.items() if k in {"decision", "at"}}
    return Reason(
        code,
        {"check": "purpose" if purpose else "verification", **kept, "detail_zh": zh,
         "detail_en": en},
    )  # fmt: skip


def verdict_json(verdict: Verdict, decision_id: str | None = None) -> dict[str, Any]:
    """A verdict as the answers carry it (under ``risk``): the outcome and the decision to
    appeal or look up, never the rules, weights or score (the holder reads these answers;
    operators read the decision, ``risk queue`` and ``risk decision``)."""
    return {"decision": decision_id, "outcome": verdict.outcome.value}


def operator_verdict_json(verdict: Verdict, decision_id: str | None = None) -> dict[str, Any]:
    """A verdict with everything an operator weighs: score, the rules that fired, versions."""
    return {
        **verdict_json(verdict, decision_id),
        "score": verdict.score,
        "reasons": [f.to_json() for f in verdict.fired],
        "rule_set_version": verdict.rule_set_version,
    }
