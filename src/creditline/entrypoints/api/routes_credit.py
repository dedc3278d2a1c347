"""Credit decisions (授信): a holder's initial limit assessment, explained (score, each factor's
points, the three that cost the most, band, caps, proposed limit), and a consumer's credit
application (授信申请) that the consumer card reads.

Access: a holder reads its own assessment and submits and reads its own application; operators
read any, and operations submit one for a consumer. Another holder's party is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt, StrictStr

import creditline
from creditline.entrypoints.api.calls import Caller
from creditline.entrypoints.api.models import ERRORS, REFUSABLE, Body

router = APIRouter(prefix="/v1", tags=["credit"])
PartyId = Annotated[str, Path(max_length=64, examples=["mer_5f2a9c1e0b7d4a33"])]
Call = Annotated[Caller, Depends(Caller)]
Answer = StrictInt | Annotated[StrictStr, Field(max_length=200)]


class ApplicationIn(Body):
    answers: Annotated[
        dict[Annotated[str, Field(max_length=80)], Answer],
        Field(
            max_length=40,
            description="the consumer card's attributes (the German credit data's): whole "
            "numbers or one of the listed answers; one left out scores as missing",
            examples=[
                {
                    "status_of_existing_checking_account": "no checking account",
                    "duration_in_month": 12,
                    "credit_history": "existing credits paid back duly till now",
                    "credit_amount": 2500,
                    "age_in_years": 35,
                }
            ],
        ),
    ]


@router.get(
    "/parties/{party_id}/assessment",
    responses=ERRORS,
    summary="A holder's initial limit, explained: score, factors' points, the three that cost "
    "the most, band, caps, proposed limit (recorded, with its id)",
)
def get_assessment(
    party_id: PartyId,
    call: Call,
    product: Annotated[
        str | None,
        Query(max_length=24, description="merchant_bnpl or installment (default by the kind)"),
    ] = None,
) -> JSONResponse:
    call.own(party_id, "party_id")
    from creditline.entrypoints.bootstrap import scorecard_store

    cards = scorecard_store(None)
    return call.read(lambda db: creditline.assess_limit(db, party_id, product=product, cards=cards))


@router.post(
    "/parties/{party_id}/application",
    responses=REFUSABLE,
    summary="Submit a consumer's credit application (授信申请); the latest one is assessed",
)
def post_application(party_id: PartyId, body: ApplicationIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.write(
        "application.submit",
        lambda db, key: creditline.submit_application(db, party_id, body.answers, key=key),
        target=party_id,
        native_key=True,
    )


@router.get(
    "/parties/{party_id}/application",
    responses=ERRORS,
    summary="A consumer's latest credit application",
)
def get_application(party_id: PartyId, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.read(lambda db: creditline.show_application(db, party_id))
