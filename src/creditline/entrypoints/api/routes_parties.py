"""Parties (主体): merchants and consumers, their verification, identifiers (关联), documents
and violations; a party's logins (scored by the risk rules), its money (资金), withdrawals
(提现) and payouts (出款).

Access: adding and verifying parties, documents, violations and identifiers is operations'
(``party.write``); a holder's key reads its own party, funds and payouts, records its own
logins and withdraws its own money. Another holder's party is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt, StrictStr

import creditline
from creditline import Answer
from creditline.entrypoints.api.bodies import (
    DocumentIn,
    Limit,
    LinksIn,
    LoginIn,
    PartyIn,
    StartingAfter,
    VerifyIn,
    ViolationIn,
    WithdrawalIn,
)
from creditline.entrypoints.api.calls import Caller, page
from creditline.entrypoints.api.models import ERRORS, REFUSABLE, Body
from creditline.entrypoints.api.shape import from_minor

router = APIRouter(prefix="/v1", tags=["parties"])
PartyId = Annotated[str, Path(max_length=64, examples=["mer_5f2a9c1e0b7d4a33"])]
ViolationId = Annotated[str, Path(max_length=64, examples=["vio_5f2a9c1e0b7d4a33"])]
Call = Annotated[Caller, Depends(Caller)]
#: A party's own money is kept in CNY.
FUNDS_CURRENCY = "CNY"


@router.post("/parties", responses=REFUSABLE, summary="Add a merchant or a consumer")
def create_party(body: PartyIn, call: Call) -> JSONResponse:
    income = (
        None if body.income is None else from_minor(body.income, FUNDS_CURRENCY, field="income")
    )
    return call.write(
        "party.write",
        lambda db, key: creditline.add_party(
            db,
            kind=body.kind,
            name=body.name,
            category=body.category,
            credit_score=body.credit_score,
            income=income,
            key=key,
        ),
        target=body.name,
        native_key=True,
    )


@router.get(
    "/parties/{party_id}",
    responses=ERRORS,
    summary="A party: verification, settlement account, open violations",
)
def get_party(party_id: PartyId, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.read(lambda db: creditline.show_party(db, party_id))


@router.post(
    "/parties/{party_id}/verify",
    responses=REFUSABLE,
    summary="Record verification (实名认证, 资质审核) and bind the settlement account",
)
def verify_party(party_id: PartyId, body: VerifyIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.write(
        "party.write",
        lambda db, key: creditline.verify_party(
            db,
            party_id,
            real_name=body.real_name,
            qualification=body.qualification,
            settlement_account=body.settlement_account,
            key=key,
        ),
        target=party_id,
        native_key=True,
    )


@router.post(
    "/parties/{party_id}/links",
    responses=REFUSABLE,
    summary="Record a party's identifiers; parties sharing one are linked (关联)",
)
def link_party(party_id: PartyId, body: LinksIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    identifiers = {
        "device": body.device,
        "phone": body.phone,
        "bank_account": body.bank_account,
        "address": body.address,
    }
    return call.write(
        "party.write",
        lambda db, key: creditline.link(db, party_id, identifiers, key=key),
        target=party_id,
        native_key=True,
    )


@router.post(
    "/parties/{party_id}/documents",
    responses=REFUSABLE,
    summary="Record a document a merchant submitted (资质材料), with its expiry",
)
def add_document(party_id: PartyId, body: DocumentIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.write(
        "party.write",
        lambda db, key: creditline.add_document(
            db,
            party_id,
            doc_type=body.type,
            submitted=body.submitted,
            expires=body.expires,
            key=key,
        ),
        target=party_id,
        native_key=True,
    )


@router.post(
    "/parties/{party_id}/violations",
    responses=REFUSABLE,
    summary="Open a violation record (违规记录) against a party",
)
def add_violation(party_id: PartyId, body: ViolationIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.write(
        "party.write",
        lambda db, key: creditline.add_violation(db, party_id, note=body.note, key=key),
        target=party_id,
        note=body.note,
        native_key=True,
    )


@router.post(
    "/violations/{violation_id}/close", responses=REFUSABLE, summary="Close a violation record"
)
def close_violation(violation_id: ViolationId, call: Call) -> JSONResponse:
    return call.write(
        "party.write",
        lambda db, key: creditline.close_violation(db, violation_id, key=key),
        target=violation_id,
        native_key=True,
    )


@router.post(
    "/parties/{party_id}/logins",
    responses=REFUSABLE,
    summary="Record a login; the risk rules score it (a declined login is a 402)",
)
def record_login(party_id: PartyId, body: LoginIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.write(
        "login.record",
        lambda db, key: creditline.record_login(
            db, party_id, device=body.device, ip=body.ip, key=key
        ),
        target=party_id,
        native_key=True,
    )


@router.get(
    "/parties/{party_id}/funds",
    responses=ERRORS,
    summary="A merchant's money (资金): balance, escrow, withdrawals, receivables, maturing lots",
)
def get_funds(party_id: PartyId, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.read(lambda db: creditline.show_funds(db, party_id))


@router.post(
    "/parties/{party_id}/withdrawals",
    responses=REFUSABLE,
    summary="Withdraw the merchant's own settled balance (提现, T+1 working day); never quota",
)
def create_withdrawal(party_id: PartyId, body: WithdrawalIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    amount = from_minor(body.amount, body.currency)
    return call.write(
        "withdraw",
        lambda db, key: creditline.withdraw(db, party_id, amount=amount, key=key),
        target=party_id,
        native_key=True,
    )


@router.get(
    "/parties/{party_id}/payouts",
    responses=ERRORS,
    summary="A party's payouts (出款) with their attempts, failures and compensation",
)
def list_party_payouts(
    party_id: PartyId,
    call: Call,
    limit: Limit = 10,
    starting_after: StartingAfter = None,
) -> JSONResponse:
    call.own(party_id, "party_id")
    url = f"/v1/parties/{party_id}/payouts"

    def run(db: creditline.Database) -> Answer:
        creditline.show_party(db, party_id)  # an unknown party is a 404, not an empty list
        items = creditline.list_payouts(db, party_id).body["data"]
        return Answer(page(items, limit=limit, starting_after=starting_after, url=url))

    return call.read(run)


# -- the holder's care pages: password, self-check, security centre, policy changes ----------
class PasswordIn(Body):
    password: Annotated[
        StrictStr,
        Field(
            min_length=1,
            max_length=1024,
            description="at least 12 characters; kept as an argon2id hash, never echoed",
            examples=["correct horse battery"],
        ),
    ]


Count = Annotated[StrictInt, Field(ge=0, le=10_000_000)]


class ServiceFiguresIn(Body):
    day: Annotated[StrictStr, Field(max_length=10, examples=["2024-04-30"])]
    chats: Annotated[Count, Field(examples=[120])]
    answered_within_30s: Annotated[Count, Field(examples=[110])]
    median_seconds: Annotated[StrictInt, Field(ge=0, le=86_400, examples=[12])]


@router.post(
    "/parties/{party_id}/password",
    responses=REFUSABLE,
    summary="Set a holder's password for the pages' sign-in (an operator's action, audited)",
)
def set_party_password(
    party_id: PartyId, body: PasswordIn, call: Call, request: Request
) -> JSONResponse:
    call.own(party_id, "party_id")
    hasher = request.app.state.password_hasher
    return call.write(
        "keys.write",
        lambda db, _key: creditline.set_holder_password(db, party_id, body.password, hasher=hasher),
        target=party_id,
        # The password is not part of the idempotency fingerprint, nor of anything kept.
        body={"party": party_id},
    )


@router.post(
    "/parties/{party_id}/service_figures",
    responses=REFUSABLE,
    summary="Post a holder's customer-service figures of a day (a repeat replaces the day's)",
)
def post_service_figures(party_id: PartyId, body: ServiceFiguresIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.write(
        "party.write",
        lambda db, _key: creditline.save_service_figures(
            db,
            party_id,
            day=body.day,
            chats=body.chats,
            answered_within_30s=body.answered_within_30s,
            median_seconds=body.median_seconds,
        ),
        target=party_id,
        body=body.model_dump(),
    )


@router.get(
    "/parties/{party_id}/self_check",
    responses=ERRORS,
    summary="The holder's self-check (自测清单): four items scored 1-5 against a pass line of 4",
)
def get_self_check(party_id: PartyId, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.read(lambda db: creditline.self_check(db, party_id))


@router.get(
    "/parties/{party_id}/security",
    responses=ERRORS,
    summary="The holder's security centre (安全中心): devices, abnormal logins, core suppliers",
)
def get_security(party_id: PartyId, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.read(lambda db: creditline.security_centre(db, party_id))


@router.get(
    "/parties/{party_id}/policy_changes",
    responses=ERRORS,
    summary="The policy changes (政策变更) that touched the holder in the last days",
)
def get_policy_changes(
    party_id: PartyId,
    call: Call,
    days: Annotated[int, Query(ge=1, le=366, examples=[30])] = 30,
) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.read(lambda db: creditline.policy_changes(db, party_id, days))
