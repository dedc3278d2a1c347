"""Use case: assess a holder's initial limit (初始额度评估), explained. A merchant is scored by
the merchant card over its own history on the platform; a consumer by the consumer card over
its credit application, with its credit score and declared income. The score goes through the
policy's bands and caps to a proposed limit, and the answer says each factor's points and the
three that cost the most, in zh and en.

The facts are read in one read transaction; the assessment is then recorded in a second, small
write (so that a later review or appeal can cite it by id), unless the party's last recorded
assessment for the product gave exactly this answer: then that one is cited again, and viewing
the page twice keeps one row."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from creditline.domain.credit.factor_texts import UNANSWERED, factor_text
from creditline.domain.credit.limit_bands import Proposal, limit_rules, propose_limit
from creditline.domain.credit.merchant_facts import YEAR, merchant_facts, month_windows
from creditline.domain.credit.points_table import (
    MISSING,
    Fact,
    FactorScore,
    Scored,
    points_table,
    score_facts,
)
from creditline.domain.money import Money
from creditline.domain.quota.parties import Party, PartyKind
from creditline.domain.quota.purposes import (
    PRODUCT_NAMES,
    Product,
    check_product_for_party,
    parse_product,
)
from creditline.domain.workdays import iso_local
from creditline.service.credit.credit_ports import RecordedAssessment
from creditline.service.credit.scorecards import ScorecardStore, latest_scorecard
from creditline.service.idempotency import Answer
from creditline.service.ids import new_id
from creditline.service.uow import Database

TOP_COSTS = 3
DECISIONS = {"approve": ("通过", "approve"), "refer": ("转人工审核", "refer to an operator")}


def assess_limit(
    db: Database,
    party_id: str,
    *,
    product: str | None = None,
    cards: ScorecardStore | None = None,
) -> Answer:
    """The proposed limit of ``party_id`` on ``product`` (default: a merchant's
    ``merchant_bnpl``, a consumer's ``installment``), with its explanation. ``cards``: where
    trained scorecards are kept (the latest of the holder's kind is used); without one, or
    while it keeps none of that kind, the card shipped with the package."""
    chosen = None if product is None else parse_product(product)
    with db.transaction(write=False) as uow:
        party = uow.parties.get_party(party_id)
        merchant = party.kind is PartyKind.MERCHANT
        product_ = chosen or (Product.MERCHANT_BNPL if merchant else Product.INSTALLMENT)
        check_product_for_party(product_, party.kind)
        now = uow.reference.now()
        policy = uow.reference.policy(now)
        kind = party.kind.value
        kept = None if cards is None else latest_scorecard(cards, kind)
        card = kept or uow.credit.shipped_scorecard(kind)
        rules = limit_rules(policy, party.kind, product_)
        sales: Money | None = None
        application = None
        if merchant:
            windows = month_windows(now, rules.sales_months)
            history = uow.credit.merchant_history(party_id, windows, now - YEAR)
            facts, sales = merchant_facts(history, windows, now)
        else:
            application = uow.credit.latest_application(party_id)
            facts = dict(application.answers) if application else {}
    scored = score_facts(points_table(card["bins"]), facts)
    proposal = propose_limit(
        rules,
        party.kind,
        scored.total,
        income=party.income,
        credit_score=party.credit_score,
        has_application=application is not None,
        monthly_sales=sales,
    )
    body = _body(
        party, product_, card=card, scored=scored, proposal=proposal, policy_version=policy.version
    )
    body["facts"] = _facts(party, sales, None if application is None else application.id)
    return Answer(
        _record(db, party, product=product_, card=card, proposal=proposal, body=body, now=now)
    )


def _record(
    db: Database,
    party: Party,
    *,
    product: Product,
    card: dict[str, Any],
    proposal: Proposal,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Keep the assessment (or cite the last one, when it gave this very answer)."""
    fingerprint = hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    with db.transaction() as uow:
        last = uow.credit.latest_assessment(party.id, product.value)
        if last is not None and last.fingerprint == fingerprint:
            return {"id": last.id, **body, "assessed_at": iso_local(last.assessed_at)}
        out = {"id": new_id("asm"), **body, "assessed_at": iso_local(now)}
        uow.credit.insert_assessment(
            RecordedAssessment(
                id=out["id"],
                party_id=party.id,
                kind=party.kind.value,
                product=product.value,
                scorecard_version=int(card.get("version", 0)),
                score=proposal.score,
                proposed_limit=proposal.limit.minor,
                currency=proposal.limit.currency,
                decision=proposal.decision,
                policy_version=str(body["policy_version"]),
                fingerprint=fingerprint,
                body=out,
                assessed_at=now,
            )
        )
        return out


def _text(value: Fact) -> str | None:
    return None if value is None else str(value)


def _factor(f: FactorScore, *, helps: bool = False, applied: bool = False) -> dict[str, Any]:
    """A factor as answered; ``helps``: with what would help it (``applied``: the factor is a
    consumer's answer, and one left out helps by being given)."""
    names = factor_text(f.variable)
    out: dict[str, Any] = {
        "factor": f.variable,
        "name_zh": names.name_zh,
        "name_en": names.name_en,
        "value": _text(f.value),
        "bin": f.bin,
        "points": f.points,
        "best_points": f.best_points,
        "cost": f.cost,
    }
    if helps:
        help_zh, help_en = names.help_zh, names.help_en
        if applied and f.bin == MISSING:
            help_zh, help_en = UNANSWERED
        out |= {"help_zh": help_zh, "help_en": help_en}
    return out


def _facts(party: Party, sales: Money | None, application: str | None) -> dict[str, Any]:
    """What fed the limit besides the card: the consumer's credit score, income and
    application, or the merchant's monthly settled sales."""
    if party.kind is PartyKind.MERCHANT:
        return {"monthly_sales": None if sales is None else sales.format()}
    return {
        "credit_score": party.credit_score,
        "income": None if party.income is None else party.income.format(),
        "application": application,
    }


def _body(
    party: Party,
    product: Product,
    *,
    card: dict[str, Any],
    scored: Scored,
    proposal: Proposal,
    policy_version: str,
) -> dict[str, Any]:
    product_zh, product_en = PRODUCT_NAMES[product]
    decision_zh, decision_en = DECISIONS[proposal.decision]
    band = proposal.band
    summary_zh, summary_en = _summary(proposal)
    return {
        "party": party.id,
        "party_name": party.name,
        "kind": party.kind.value,
        "product": product.value,
        "product_zh": product_zh,
        "product_en": product_en,
        "scorecard": {
            "kind": str(card.get("kind", party.kind.value)),
            "version": int(card.get("version", 0)),
            "simulated": bool(card.get("simulated", False)),
            "trained_at": card.get("trained_at"),
        },
        "score": proposal.score,
        "factors": [_factor(f) for f in scored.factors],
        "top_costs": [
            _factor(f, helps=True, applied=party.kind is PartyKind.CONSUMER)
            for f in scored.top_costs(TOP_COSTS)
        ],
        "proposed_limit": proposal.limit.format(),
        "currency": proposal.limit.currency,
        "policy_version": policy_version,
        "band": None if band is None else {"score": band.score, "limit": band.limit.format()},
        "caps": [c.json(binding=c.name == proposal.binding) for c in proposal.caps],
        "decision": proposal.decision,
        "decision_zh": decision_zh,
        "decision_en": decision_en,
        "reasons": [r.to_json() for r in proposal.reasons],
        "summary_zh": summary_zh,
        "summary_en": summary_en,
    }


def _summary(p: Proposal) -> tuple[str, str]:
    if p.band is None or p.reasons:  # the reasons follow, each with what to do
        return (
            f"评分 {p.score}：转人工审核，建议额度 0。",
            f"Score {p.score}: referred to an operator, proposed limit 0.",
        )
    band = p.band
    zh = (
        f"评分 {p.score}，达到 {band.score} 分档（{band.limit.format()}），"
        f"建议额度 {p.limit.format()}"
    )
    en = (
        f"Score {p.score} reaches the {band.score} band ({band.limit.format()}): "
        f"proposed limit {p.limit.format()}"
    )
    cap = next((c for c in p.caps if c.name == p.binding), None)
    if cap is not None:
        cap_json = cap.json(binding=True)
        zh += f"，受{cap_json['name_zh']}限制"
        en += f", held to {cap_json['name_en']}"
    return zh + "。", en + "."
