"""Incidents (系统故障) and temporary quota (临时额度): operators open an incident over the lines a
platform fault touched and close it with an optional temporary quota (action
``incident.write``); a holder reads its own line's temporary quota, never another's (404).
Incidents span many holders' lines, so they are the operators' to read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt, StrictStr

import creditline
from creditline import Forbidden
from creditline.entrypoints.api.calls import Caller
from creditline.entrypoints.api.models import ERRORS, REFUSABLE, Amount, Body, Currency, Text
from creditline.entrypoints.api.shape import from_minor

router = APIRouter(prefix="/v1", tags=["incidents"])
LineId = Annotated[str, Path(max_length=64, examples=["line_31a2030e3de643c7"])]
IncidentId = Annotated[str, Path(max_length=64, examples=["inc_31a2030e3de643c7"])]
Call = Annotated[Caller, Depends(Caller)]
Days = Annotated[StrictInt, Field(ge=1, le=90, description="how many days it lasts")]


class IncidentIn(Body):
    lines: list[Annotated[StrictStr, Field(max_length=64)]] = Field(
        min_length=1, max_length=500, description="the lines the fault touched"
    )
    title: Annotated[StrictStr, Field(max_length=120)] = Field(
        description="what happened, shown to the affected holders", examples=["额度计算故障"]
    )
    note: Text | None = Field(default=None, description="the operators' own note")
    estimate_hours: Annotated[StrictInt, Field(ge=1, le=720)] | None = Field(
        default=None, description="hours until it is expected to clear"
    )


class CloseIn(Body):
    note: Text = Field(description="how it was fixed (kept in the audit log)")
    temporary_amount: Amount | None = Field(
        default=None, description="temporary quota (临时额度) for each line, in minor units"
    )
    currency: Currency = "CNY"
    temporary_days: Days | None = None


class TemporaryIn(Body):
    amount: Amount = Field(description="the temporary quota, in minor units")
    currency: Currency = "CNY"
    days: Days
    note: Text = Field(description="why (kept with the grant and in the audit log)")


def _operators_only(call: Caller) -> None:
    if call.party is not None:
        raise Forbidden("a holder's key cannot read incidents; they are the platform's")


@router.post("/incidents", responses=REFUSABLE, summary="Open an incident (系统故障)")
def open_incident(body: IncidentIn, call: Call) -> JSONResponse:
    actor = call.principal.label()
    return call.write(
        "incident.write",
        lambda db, key: creditline.open_incident(
            db,
            lines=body.lines,
            title=body.title,
            note=body.note,
            estimate_hours=body.estimate_hours,
            actor=actor,
            key=key,
        ),
        target=",".join(body.lines)[:200],
        note=body.title,
        native_key=True,
    )


@router.post(
    "/incidents/{incident_id}/close",
    responses=REFUSABLE,
    summary="Close an incident: lift its freezes, grant a temporary quota (临时额度)",
)
def close_incident(incident_id: IncidentId, body: CloseIn, call: Call) -> JSONResponse:
    call.principal.require("incident.write")
    amount = None
    if body.temporary_amount is not None:
        amount = from_minor(body.temporary_amount, body.currency, field="temporary_amount")
    actor = call.principal.label()
    return call.write(
        "incident.write",
        lambda db, key: creditline.close_incident(
            db,
            incident_id,
            note=body.note,
            temporary_amount=amount,
            temporary_days=body.temporary_days,
            actor=actor,
            key=key,
            currency=None if body.temporary_amount is None else body.currency,
        ),
        target=incident_id,
        note=body.note,
        native_key=True,
    )


@router.get("/incidents/{incident_id}", responses=ERRORS, summary="An incident")
def get_incident(incident_id: IncidentId, call: Call) -> JSONResponse:
    call.own(incident_id, "incident_id")  # a holder owns no incident: 404
    return call.read(lambda db: creditline.show_incident(db, incident_id))


@router.get("/incidents", responses=ERRORS, summary="Incidents, newest first")
def list_incidents(
    call: Call,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> JSONResponse:
    _operators_only(call)
    return call.read(lambda db: creditline.list_incidents(db, status=status, limit=limit))


@router.get(
    "/lines/{line_id}/temporary_quota",
    responses=ERRORS,
    summary="A line's temporary quota (临时额度): amount, left, when it ends",
)
def get_temporary_quota(line_id: LineId, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.temporary_quota(db, line_id))


@router.post(
    "/lines/{line_id}/temporary_quota",
    responses=REFUSABLE,
    summary="Grant a line a temporary quota (临时额度)",
)
def grant_temporary_quota(line_id: LineId, body: TemporaryIn, call: Call) -> JSONResponse:
    call.principal.require("incident.write")  # before any read: a holder learns nothing
    call.same_currency(line_id, body.currency)
    amount = from_minor(body.amount, body.currency)
    actor = call.principal.label()
    return call.write(
        "incident.write",
        lambda db, key: creditline.grant_temporary_quota(
            db, line_id, amount=amount, days=body.days, note=body.note, actor=actor, key=key
        ),
        target=line_id,
        note=body.note,
        native_key=True,
    )
