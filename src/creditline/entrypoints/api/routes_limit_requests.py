"""Increase requests (提额申请): a holder asks for a higher limit on its line and gets an
automatic decision from its assessment and the policy, or a referral; operators with role
risk decide the referred ones. Another holder's request is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, StrictStr

import creditline
from creditline.entrypoints.api.calls import Caller
from creditline.entrypoints.api.models import ERRORS, REFUSABLE, Amount, Body, LimitAmount, Text
from creditline.entrypoints.api.shape import from_minor

router = APIRouter(prefix="/v1", tags=["credit"])
LineId = Annotated[str, Path(max_length=64, examples=["line_31a2030e3de643c7"])]
RequestId = Annotated[str, Path(max_length=64, examples=["lrq_31a2030e3de643c7a1b2c3d4e5f6"])]
Call = Annotated[Caller, Depends(Caller)]


class IncreaseIn(Body):
    amount: Amount = Field(description="the whole limit asked for, in minor units")
    reason: Text = Field(description="why (shown to the operator who decides a referral)")


class DecisionIn(Body):
    outcome: Annotated[StrictStr, Field(pattern="^(approve|decline)$", examples=["approve"])]
    note: Text = Field(description="why (shown to the holder, kept in the audit log)")
    limit: LimitAmount | None = Field(default=None, description="default: what was asked")


@router.post(
    "/lines/{line_id}/limit_requests",
    responses=REFUSABLE,
    summary="Ask for a higher limit (提额申请): decided at once, or referred to an operator",
)
def create_request(line_id: LineId, body: IncreaseIn, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    call.principal.require("limit.request")
    from creditline.entrypoints.bootstrap import scorecard_store

    amount = from_minor(body.amount, call.line_currency(line_id))
    line = creditline.show_line(call.db, line_id).body
    assessment = creditline.assess_limit(
        call.db, str(line["party"]), product=str(line["product"]), cards=scorecard_store(None)
    ).body
    actor = call.principal.label()
    return call.write(
        "limit.request",
        lambda db, key: creditline.request_increase(
            db,
            line_id,
            amount=amount,
            reason=body.reason,
            assessment=assessment,
            actor=actor,
            key=key,
        ),
        target=line_id,
        note=body.reason,
        native_key=True,
    )


@router.get("/limit_requests/{request_id}", responses=ERRORS, summary="An increase request")
def get_request(request_id: RequestId, call: Call) -> JSONResponse:
    call.own(request_id, "request_id")
    return call.read(lambda db: creditline.show_request(db, request_id))


@router.get("/lines/{line_id}/limit_requests", responses=ERRORS, summary="A line's requests")
def line_requests(line_id: LineId, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.list_requests(db, line_id=line_id))


@router.get("/limit_requests", responses=ERRORS, summary="Increase requests (operators)")
def all_requests(
    call: Call,
    status: Annotated[str | None, Query(max_length=16, examples=["referred"])] = None,
) -> JSONResponse:
    if call.principal.party_id is not None:
        call.principal.require("limit.decide")  # a holder lists its own line's requests
    return call.read(lambda db: creditline.list_requests(db, status=status))


@router.post(
    "/limit_requests/{request_id}/decision",
    responses=REFUSABLE,
    summary="Decide a referred increase request (role risk)",
)
def decide(request_id: RequestId, body: DecisionIn, call: Call) -> JSONResponse:
    call.principal.require("limit.decide")
    limit = None
    if body.limit is not None:
        line = creditline.show_request(call.db, request_id).body["line"]
        limit = from_minor(body.limit, call.line_currency(str(line)))
    actor = call.principal.label()
    return call.write(
        "limit.decide",
        lambda db, key: creditline.decide_request(
            db, request_id, outcome=body.outcome, note=body.note, limit=limit, actor=actor, key=key
        ),
        target=request_id,
        note=body.note,
        native_key=True,
    )
