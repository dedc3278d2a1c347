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
    return risk_reason(
        code,
        [f.to_json() for f in verdict.fired],
        score=verdict.score,
        rule_set_version=verdict.rule_set_version,
    )


def risk_reason(code: ReasonCode, fired: list[dict[str, Any]], **facts: Any) -> Reason:
    """The holder's risk reason from the rules that fired (as stored): the rules that decided
    (all of them if only scoring rules fired), their codes and their zh/en texts."""
    deciding = [f for f in fired if f.get("outcome") != Outcome.APPROVE.value] or fired
    return Reason(
        code,
        {
            "rules": ", ".join(f["code"] for f in deciding),
            "codes": [f["code"] for f in deciding],
            **facts,
            "detail_zh": "；".join(f.get("message_zh") or f["code"] for f in deciding),
            "detail_en": "; ".join(f.get("message_en") or f["code"] for f in deciding),
        },
    )


def verdict_json(verdict: Verdict, decision_id: str | None = None) -> dict[str, Any]:
    """A verdict as the answers carry it (under ``risk``)."""
    return {
        "decision": decision_id,
        "outcome": verdict.outcome.value,
        "score": verdict.score,
        "reasons": [f.to_json() for f in verdict.fired],
        "rule_set_version": verdict.rule_set_version,
    }
