"""Use cases for lines (额度): open, activate, show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import CURRENCY_EXPONENTS, Money
from creditline.domain.quota.lines import LineStatus, check_no_open_line, require_positive
from creditline.domain.quota.parties import missing_prerequisites
from creditline.domain.quota.purposes import check_product_for_party, parse_product
from creditline.domain.reasons import Reason, ReasonCode
from creditline.service.idempotency import Answer, check_key, once, retried, run_once
from creditline.service.ids import new_id
from creditline.service.quota.alerts import alert_summary
from creditline.service.quota.line_book import balances_json, freeze_target, post_movement
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import Database, UnitOfWork


def line_json(line: LockedLine, *, frozen: Money | None = None) -> dict[str, Any]:
    state = line.state
    return {
        "id": state.id,
        "party": state.party_id,
        "product": state.product.value,
        "status": state.status.value,
        **balances_json(state.balances, frozen=frozen, target=state.limit_target),
        "ledger_seq": line.seq,
    }


def _effective_frozen(uow: UnitOfWork, line: LockedLine) -> Money:
    """The amount freezes in force now, as far as the free quota covers them."""
    b = line.state.balances
    if not line.open_freezes:
        return b.frozen
    return freeze_target(uow, line, uow.reference.now()).min(b.limit - b.held - b.occupied)


@retried
def open_line(
    db: Database,
    party_id: str,
    *,
    product: str,
    limit: str | None,
    currency: str = "CNY",
    key: str | None = None,
    assessment: dict[str, Any] | None = None,
) -> Answer:
    """Open a line in ``pending_activation`` and post the platform's grant of its limit;
    refused (``line_already_open``, naming it) while the party has an open line of the product.
    Two opens at once meet at the database's unique index: the loser retries and is refused.

    Without ``limit``, the limit is the ``assessment``'s proposal (授信: ``assess_limit``, run
    by the caller before this transaction); a referred assessment is refused with its
    reasons, for an operator to decide a limit."""
    prod = parse_product(product)
    asked = limit  # the key keeps the request as given: a retry replays, whatever is assessed
    if limit is None:
        limit = _assessed_limit(assessment)
        if assessment is not None and assessment.get("currency", currency) != currency:
            raise InvalidInput(
                "currency",
                f"the assessment is in {assessment.get('currency')}: give --limit for a "
                f"{currency} line",
            )
    if currency not in CURRENCY_EXPONENTS:
        raise InvalidInput("currency", f"currency must be one of {', '.join(CURRENCY_EXPONENTS)}")
    granted = require_positive(Money.parse(limit, currency, field="limit"), "limit")
    check_key(key, required=False)
    params = {"party": party_id, "product": product, "limit": asked, "currency": currency}
    with db.transaction() as uow:
        party = uow.parties.get_party(party_id)
        check_product_for_party(prod, party.kind)
        now = uow.reference.now()

        def effect() -> Answer:
            check_no_open_line(prod, uow.lines.open_line_of(party_id, prod.value))
            line_id = new_id("line")
            uow.lines.insert_line(
                line_id=line_id, party_id=party_id, product=prod.value, currency=currency, now=now
            )
            grant = Transfer(
                Account.PLATFORM_LIMIT, Account.AVAILABLE, granted, Movement.GRANT, line_id
            )
            locked = uow.lines.lock_line(line_id)
            body = line_json(locked.moved_to(post_movement(uow, locked, line_id, [grant], now)))
            if assessment is not None:
                body["assessment"] = {
                    k: assessment.get(k) for k in ("id", "score", "proposed_limit", "decision")
                }
            return Answer(body)

        return run_once(
            uow,
            scope=f"party:{party_id}",
            key=key,
            command="line.open",
            params=params,
            effect=effect,
            now=now,
        )


def _assessed_limit(assessment: dict[str, Any] | None) -> str:
    if assessment is None:
        raise InvalidInput("limit", "limit is required when no assessment is given")
    if assessment.get("decision") != "approve" or assessment.get("proposed_limit") in {
        None,
        "0.00",
    }:
        reasons = [
            Reason(
                ReasonCode.ASSESSMENT_REFERRED,
                {
                    "assessment": assessment.get("id"),
                    "score": assessment.get("score"),
                    "summary_zh": assessment.get("summary_zh", ""),
                    "summary_en": assessment.get("summary_en", ""),
                },
            )
        ]
        raise Refused(reasons[0].code.value, reasons[0].message_en, reasons)
    return str(assessment["proposed_limit"])


def activate_line(db: Database, line_id: str, *, key: str | None = None) -> Answer:
    """Activate a line; refused with every missing prerequisite (R2) by code."""

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        line = uow.lines.read_line(line_id)
        if line.state.status is LineStatus.ACTIVE:
            return Answer(line_json(line))
        if line.state.status is LineStatus.CLOSED:
            raise Refused("line_closed", f"line {line_id} is closed")
        missing = missing_prerequisites(uow.parties.get_party(line.state.party_id))
        if missing:
            raise Refused(
                "activation_refused",
                "line cannot be activated: " + ", ".join(r.code.value for r in missing),
                missing,
            )
        uow.lines.set_line_status(line_id, LineStatus.ACTIVE, now)
        return Answer(line_json(uow.lines.read_line(line_id)))

    return once(
        db, key=key, command="line.activate", params={"line": line_id}, effect=effect, scope=line_id
    )


def show_line(db: Database, line_id: str) -> Answer:
    """The line, its balances and its open alerts (预警, kept current by run-due)."""
    with db.transaction(write=False) as uow:
        line = uow.lines.read_line(line_id)
        alerts = [alert_summary(a) for a in uow.alerts.open_alerts(line_id)]
        return Answer({**line_json(line, frozen=_effective_frozen(uow, line)), "alerts": alerts})
