"""Use cases for parties: add merchants and consumers, verify them, record violations (违规记录)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.quota.documents import Document, parse_document_type
from creditline.domain.quota.parties import Party, PartyKind, parse_category, parse_name
from creditline.domain.text import MAX_NOTE, printable_text
from creditline.domain.workdays import parse_day
from creditline.service.credit.review_line import restore_after_document
from creditline.service.idempotency import Answer, check_key, once, run_once
from creditline.service.ids import new_id
from creditline.service.uow import Database, UnitOfWork

MAX_ACCOUNT_LENGTH = 64


def party_json(party: Party) -> dict[str, Any]:
    return {
        "id": party.id,
        "kind": party.kind.value,
        "name": party.name,
        "category": party.category,
        "credit_score": party.credit_score,
        "income": None if party.income is None else party.income.format(),
        "real_name_verified": party.real_name_verified,
        "qualification_passed": party.qualification_passed,
        "settlement_account": party.settlement_account,
        "open_violations": party.open_violations,
    }


def add_party(
    db: Database,
    *,
    kind: str,
    name: str,
    category: str | None = None,
    credit_score: int | None = None,
    income: str | None = None,
    key: str | None = None,
) -> Answer:
    try:
        party_kind = PartyKind(kind)
    except ValueError:
        raise InvalidInput("kind", "kind must be merchant or consumer") from None
    clean_name = parse_name(name)
    if party_kind is PartyKind.MERCHANT:
        category = parse_category("other" if category is None else category)
        if credit_score is not None or income is not None:
            raise InvalidInput("credit_score", "credit score and income are for consumers")
    else:
        if category is not None:
            raise InvalidInput("category", "category is for merchants")
        if credit_score is not None and not 300 <= credit_score <= 950:
            raise InvalidInput("credit_score", "credit_score must be between 300 and 950")
    income_money = None if income is None else Money.parse(income, field="income")
    check_key(key, required=False)
    params = {
        "kind": kind,
        "name": clean_name,
        "category": category,
        "credit_score": credit_score,
        "income": income,
    }
    with db.transaction() as uow:
        now = uow.reference.now()

        def effect() -> Answer:
            party = Party(
                id=new_id("mer" if party_kind is PartyKind.MERCHANT else "con"),
                kind=party_kind,
                name=clean_name,
                category=category,
                credit_score=credit_score,
                income=income_money,
            )
            uow.parties.insert_party(party, now)
            return Answer(party_json(party))

        return run_once(
            uow,
            scope="party",
            key=key,
            command="party.add",
            params=params,
            effect=effect,
            now=now,
        )


def verify_party(
    db: Database,
    party_id: str,
    *,
    real_name: bool = False,
    qualification: bool = False,
    settlement_account: str | None = None,
    key: str | None = None,
) -> Answer:
    """Record real-name verification (实名认证), qualification review (资质审核) passed and the
    bound settlement account (结算账户). For a consumer the account is its repayment account and
    ``qualification`` has no effect."""
    if settlement_account is not None:
        settlement_account = printable_text(
            settlement_account, "settlement_account", max_length=MAX_ACCOUNT_LENGTH, strip=True
        )

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        party = uow.parties.get_party(party_id)
        updated = replace(
            party,
            real_name_verified=party.real_name_verified or real_name,
            qualification_passed=party.qualification_passed
            or (qualification and party.kind is PartyKind.MERCHANT),
            settlement_account=settlement_account or party.settlement_account,
        )
        uow.parties.update_party(updated)
        uow.events.emit("party.verified", party_json(updated), now, party_id=party_id)
        return Answer(party_json(updated))

    return once(
        db,
        key=key,
        command="party.verify",
        params={
            "party": party_id,
            "real_name": real_name,
            "qualification": qualification,
            "settlement_account": settlement_account,
        },
        effect=effect,
        scope=f"party:{party_id}",
    )


def show_party(db: Database, party_id: str) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer(party_json(uow.parties.get_party(party_id)))


def add_violation(db: Database, party_id: str, *, note: str, key: str | None = None) -> Answer:
    note = printable_text(note, "note", max_length=MAX_NOTE, strip=True)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        uow.parties.get_party(party_id)
        violation_id = new_id("vio")
        uow.parties.open_violation(violation_id, party_id, note, now)
        return Answer({"id": violation_id, "party": party_id, "status": "open"})

    return once(
        db,
        key=key,
        command="violation.add",
        params={"party": party_id, "note": note},
        effect=effect,
        scope=f"party:{party_id}",
    )


def close_violation(db: Database, violation_id: str, *, key: str | None = None) -> Answer:
    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        party_id = uow.parties.close_violation(violation_id, now)
        return Answer({"id": violation_id, "party": party_id, "status": "closed"})

    return once(
        db,
        key=key,
        command="violation.close",
        params={"violation": violation_id},
        effect=effect,
        scope="platform",
    )


def add_document(
    db: Database,
    party_id: str,
    *,
    doc_type: str,
    submitted: str,
    expires: str | None = None,
    key: str | None = None,
) -> Answer:
    """Record a submitted document (营业执照, 税务登记证, ...) with its expiry."""
    kind = parse_document_type(doc_type)
    submitted_on = parse_day(submitted, "submitted")
    expires_on = None if expires is None else parse_day(expires, "expires")
    if expires_on is not None and expires_on < submitted_on:
        raise InvalidInput("expires", "expires must not be before submitted")

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        party = uow.parties.get_party(party_id)
        if party.kind is not PartyKind.MERCHANT:
            raise InvalidInput("party", "documents are kept for merchants")
        doc = Document(new_id("doc"), party_id, kind, submitted_on, expires_on)
        uow.parties.insert_document(doc, now)
        body = {
            "id": doc.id,
            "party": party_id,
            "type": kind.value,
            "submitted": submitted_on.isoformat(),
            "expires": None if expires_on is None else expires_on.isoformat(),
        }
        uow.events.emit("document.added", body, now, party_id=party_id)
        # A resubmission restores a limit a review cut for documents, in this transaction.
        restored = restore_after_document(uow, party_id, kind.value, doc.id, now)
        return Answer({**body, "limits_restored": restored} if restored else body)

    return once(
        db,
        key=key,
        command="document.add",
        params={"party": party_id, "type": doc_type, "submitted": submitted, "expires": expires},
        effect=effect,
        scope=f"party:{party_id}",
    )
