"""Periodic limit reviews (额度复审): run one now (role ``risk``), read a run and its outcomes
(operators), read a line's outcomes (a holder: its own lines), and record a consumer's credit
score and income as the bureau reports them (征信更新, role ``operations``).

A run reviews every active line (or one party's) in the request: each line in a transaction of
its own. An ``Idempotency-Key`` makes a retried POST answer the first run instead of running
again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt

import creditline
from creditline.entrypoints.api.bodies import operators_only
from creditline.entrypoints.api.calls import Caller
from creditline.entrypoints.api.models import ERRORS, REFUSABLE, Body
from creditline.entrypoints.api.shape import from_minor

router = APIRouter(prefix="/v1", tags=["reviews"])
Call = Annotated[Caller, Depends(Caller)]
LineId = Annotated[str, Path(max_length=64, examples=["line_31a2030e3de643c7"])]
PartyId = Annotated[str, Path(max_length=64, examples=["con_5f2a9c1e0b7d4a33"])]
ReviewId = Annotated[str, Path(max_length=64, examples=["rvw_5f2a9c1e0b7d4a33"])]


class ReviewIn(Body):
    party: Annotated[
        str | None,
        Field(max_length=64, description="review only this party's lines (default: every line)"),
    ] = None


class CreditIn(Body):
    credit_score: Annotated[StrictInt | None, Field(ge=300, le=950)] = None
    income: Annotated[
        StrictInt | None,
        Field(ge=0, le=10**15, description="monthly income in minor units (fen)"),
    ] = None


@router.post(
    "/limits/reviews",
    responses=REFUSABLE,
    summary="Review every active line now (or one party's): raise or lower limits, with reasons",
)
def create_review(call: Call, body: ReviewIn | None = None) -> JSONResponse:
    asked = body or ReviewIn()
    actor = call.principal.name
    return call.write(
        "limits.review",
        lambda db, _key: creditline.review_limits(db, party=asked.party, actor=actor),
        target=asked.party or "all",
        body=asked.model_dump(),
    )


@router.get(
    "/limits/reviews/latest",
    responses=ERRORS,
    summary="The latest review run with its outcomes (operators)",
)
def latest_review(
    call: Call,
    changed: Annotated[bool, Query(description="only the lines whose limit changed")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> JSONResponse:
    operators_only(call.principal, "the limit reviews")
    return call.read(lambda db: creditline.show_review(db, changed_only=changed, limit=limit))


@router.get(
    "/limits/reviews/{review_id}",
    responses=ERRORS,
    summary="One review run with its outcomes (operators)",
)
def get_review(
    review_id: ReviewId,
    call: Call,
    changed: Annotated[bool, Query(description="only the lines whose limit changed")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> JSONResponse:
    operators_only(call.principal, "the limit reviews")
    return call.read(
        lambda db: creditline.show_review(db, review_id, changed_only=changed, limit=limit)
    )


@router.get(
    "/lines/{line_id}/reviews",
    responses=ERRORS,
    summary="A line's review outcomes, newest first: reasons (zh/en) and what restores the limit",
)
def line_reviews(
    line_id: LineId, call: Call, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.line_reviews(db, line_id, limit=limit))


@router.post(
    "/parties/{party_id}/credit",
    responses=REFUSABLE,
    summary="A consumer's credit score and monthly income as the bureau reports them (征信更新)",
)
def update_credit(party_id: PartyId, body: CreditIn, call: Call) -> JSONResponse:
    income = None if body.income is None else from_minor(body.income, "CNY", field="income")
    return call.write(
        "party.write",
        lambda db, key: creditline.update_credit_facts(
            db, party_id, credit_score=body.credit_score, income=income, key=key
        ),
        target=party_id,
        native_key=True,
    )
