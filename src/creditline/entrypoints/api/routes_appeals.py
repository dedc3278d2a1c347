"""Appeals (申诉, R15): a holder asks for its line back with evidence; an operator of role risk
decides (restore, partial with a limit, reject), audited; anyone who may read the line reads
the appeal with every step.

Access: a holder submits and reads appeals of its own lines (another's is a 404); operations
may submit for a holder; only risk decides. Evidence amounts are minor units, as every amount
the API takes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, StrictStr

import creditline
from creditline import Answer, NotFound
from creditline.entrypoints.api.calls import Caller
from creditline.entrypoints.api.models import ERRORS, REFUSABLE, Amount, Body, Text
from creditline.entrypoints.api.shape import from_minor

router = APIRouter(prefix="/v1", tags=["appeals"])
LineId = Annotated[str, Path(max_length=64, examples=["line_31a2030e3de643c7"])]
AppealId = Annotated[str, Path(max_length=64, examples=["apl_31a2030e3de643c7a1b2c3d4e5f6"])]
Call = Annotated[Caller, Depends(Caller)]
MAX_ITEMS = 50
Ref = Annotated[StrictStr, Field(min_length=1, max_length=64)]


class AmountEvidence(Body):
    amount: Amount
    note: Annotated[StrictStr, Field(max_length=500)] = ""


class DocumentEvidence(Body):
    type: Annotated[StrictStr, Field(max_length=40, examples=["bank_statement"])] | None = None
    id: Ref | None = Field(default=None, description="a document already submitted (doc_…)")


class EvidenceIn(Body):
    orders: Annotated[list[Ref], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list, examples=[["TB20240418001"]]
    )
    statement_lines: Annotated[
        list[Annotated[StrictStr, Field(max_length=200)]], Field(max_length=MAX_ITEMS)
    ] = Field(default_factory=list, examples=[["2024-04-18 退款 TB9001 -18,000.00"]])
    amounts: Annotated[list[AmountEvidence], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list
    )
    documents: Annotated[list[DocumentEvidence], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list
    )


class AppealIn(Body):
    reason: Text = Field(description="why the line should be restored", examples=["退货已处理"])
    evidence: EvidenceIn | None = None


class DecisionIn(Body):
    outcome: Annotated[StrictStr, Field(max_length=16, examples=["partial"])] = Field(
        description="restore, partial or reject"
    )
    limit: Amount | None = Field(
        default=None,
        description="partial: the limit restored to (restore: default the limit "
        "before the reductions)",
    )
    lift_freezes: Annotated[list[Ref], Field(max_length=20)] = Field(
        default_factory=list,
        description="freezes to lift (restore: default every risk, dispute and "
        "operator freeze in force)",
    )
    note: Text | None = Field(default=None, description="why (required for partial and reject)")


def _line_of(appeal_id: str) -> str:
    """The line an appeal's id names; an id of no such shape is no appeal (404)."""
    kind, _, rest = appeal_id.partition("_")
    if kind != "apl" or len(rest) != 28 or not all(c in "0123456789abcdef" for c in rest):
        raise NotFound("appeal_id", f"appeal_id: no such object {appeal_id[:80]!r}")
    return f"line_{rest[:16]}"


def _evidence(body: EvidenceIn, currency: str) -> dict[str, Any]:
    """The evidence as the use case takes it: amounts as text in the line's currency."""
    out = body.model_dump(exclude_none=True)
    out["amounts"] = [
        {
            "amount": from_minor(
                a.amount, currency, positive=True, field=f"evidence.amounts[{i}].amount"
            ),
            "note": a.note,
        }
        for i, a in enumerate(body.amounts)
    ]
    return out


@router.post(
    "/lines/{line_id}/appeals",
    responses=REFUSABLE,
    summary="Appeal (申诉): ask for the line back, with evidence (one open appeal per line)",
)
def create_appeal(line_id: LineId, body: AppealIn, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    evidence = None
    if body.evidence is not None:
        evidence = _evidence(body.evidence, call.line_currency(line_id))
    return call.write(
        "appeal.submit",
        lambda db, key: creditline.submit_appeal(
            db,
            line_id,
            reason=body.reason,
            evidence=evidence,
            key=key,
            actor=call.principal.label(),
        ),
        target=line_id,
        native_key=True,
    )


@router.get("/appeals/{appeal_id}", responses=ERRORS, summary="An appeal, with every step")
def get_appeal(appeal_id: AppealId, call: Call) -> JSONResponse:
    _line_of(appeal_id)
    call.own(appeal_id, "appeal_id")
    return call.read(lambda db: creditline.show_appeal(db, appeal_id))


@router.get(
    "/appeals",
    responses=ERRORS,
    summary="Appeals, newest first (a holder: its own); status=submitted is the queue",
)
def list_appeals(
    call: Call,
    status: Annotated[str | None, Query(max_length=16, examples=["submitted"])] = None,
    line: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    if line is not None:
        call.own(line, "line")

    def run(db: creditline.Database) -> Answer:
        body = creditline.list_appeals(
            db, line=line, status=status, party=call.party, limit=limit
        ).body
        url = "/v1/appeals"
        return Answer({"object": "list", "url": url, **body})

    return call.read(run)


@router.post(
    "/appeals/{appeal_id}/decision",
    responses=REFUSABLE,
    summary="Decide an appeal (risk): restore, partial (with a limit) or reject; audited",
)
def decide_appeal(appeal_id: AppealId, body: DecisionIn, call: Call) -> JSONResponse:
    call.principal.require("appeal.decide")  # before any read: a holder learns nothing
    line_id = _line_of(appeal_id)
    limit = None if body.limit is None else from_minor(body.limit, call.line_currency(line_id))
    from creditline.entrypoints.bootstrap import scorecard_store

    cards = scorecard_store(None)
    return call.write(
        "appeal.decide",
        lambda db, key: creditline.decide_appeal(
            db,
            appeal_id,
            outcome=body.outcome,
            limit=limit,
            lift_freezes=body.lift_freezes,
            note=body.note,
            actor=call.principal.label(),
            key=key,
            cards=cards,
        ),
        target=appeal_id,
        note=body.note,
        native_key=True,
    )
