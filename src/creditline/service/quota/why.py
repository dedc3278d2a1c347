"""``why``: every reason a spend would be refused now (额度为什么用不了), from the real state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from creditline.domain.credit.appeal_rules import pending_warning
from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.quota.breakdown import breakdown
from creditline.domain.quota.evaluation import available, evaluate, frozen_amount
from creditline.domain.quota.lines import require_positive
from creditline.domain.quota.purposes import parse_purpose
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.settlement.advice import split_warnings
from creditline.domain.text import MAX_REF, printable_text
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer
from creditline.service.quota.spend_state import spend_context
from creditline.service.risk.risk_ports import Decision
from creditline.service.risk.scoring import (
    assess_spend,
    decision_id_floor,
    holder_reasons,
    review_warning,
    risk_reason,
    verdict_json,
)
from creditline.service.uow import Database, UnitOfWork

RECENT_DECLINES = timedelta(days=7)


def why(
    db: Database,
    line_id: str,
    *,
    amount: str,
    purpose: str,
    lang: str = "zh",
    counterparty: str | None = None,
) -> Answer:
    """Diagnose a spend without making it: the same evaluation the spend itself runs."""
    if lang not in {"zh", "en"}:
        raise InvalidInput("lang", "lang must be zh or en")
    spend_purpose = parse_purpose(purpose)
    Money.parse(amount)
    if counterparty is not None:
        printable_text(counterparty, "counterparty", max_length=MAX_REF)
    with db.transaction(write=False) as uow:
        locked = uow.lines.read_line(line_id)
        money = require_positive(Money.parse(amount, locked.state.currency))
        now = uow.reference.now()
        policy = uow.reference.policy(now, locked.policy_seq)
        ctx = spend_context(
            uow, locked, amount=money, purpose=spend_purpose, now=now, policy=policy, full=True
        )
        verdict, _ = assess_spend(uow, locked, ctx, counterparty)
        reasons = [*evaluate(ctx), *holder_reasons(verdict)]
        warnings = _warnings(uow, locked.state.party_id, line_id)
        notice = review_warning(verdict)
        if notice is not None and not reasons:
            warnings.append(notice)
        party_id = locked.state.party_id
        recent = uow.risk.recent_declines(
            party_id, decision_id_floor(party_id, now - RECENT_DECLINES)
        )
        b = locked.state.balances
        return Answer(
            {
                "ok": not reasons,
                "line": line_id,
                "amount": money.format(),
                "purpose": spend_purpose.value,
                "lang": lang,
                "at": iso_local(now),
                "reasons": [r.to_json(lang) for r in reasons],
                "available": available(ctx).format(),
                "breakdown": {
                    "limit": b.limit.format(),
                    "held": b.held.format(),
                    "occupied": b.occupied.format(),
                    "frozen": frozen_amount(ctx).format(),
                    "fees_due": b.fees_due.format(),
                    **breakdown(ctx),
                },
                "policy_version": policy.version,
                "warnings": [w.to_json(lang) for w in warnings],
                "risk": {
                    **verdict_json(verdict),
                    "recent_declines": [_recent(d, lang) for d in recent],
                },
            }
        )


def _recent(d: Decision, lang: str) -> dict[str, Any]:
    """A past risk decline, told to the holder: when, which codes, and what to do."""
    reason = risk_reason(ReasonCode.RISK_DECLINED, d.reasons)
    return {
        "decision": d.id,
        "event": d.event,
        "subject": d.subject,
        "at": iso_local(d.created_at),
        "review": d.review,
        **reason.to_json(lang),
    }


def _warnings(uow: UnitOfWork, party_id: str, line_id: str) -> list[Reason]:
    """What does not refuse this spend but the holder should know: a split rule that keeps the
    quota from coming back, split advice not followed (R10, R16), an appeal awaiting its
    decision (R15: it changes nothing until decided)."""
    found = split_warnings(uow.orders.split_rule(party_id), uow.orders.suppliers_of(party_id))
    appeal = uow.appeals.open_appeal(line_id)
    return found if appeal is None else [*found, pending_warning(appeal)]
