"""Lines (额度) and spending them: lines, authorisations (hold / capture / void / refund),
repayments, the diagnosis (额度为什么用不了), freezes, statements and alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

import creditline
from creditline.entrypoints.api.calls import Caller, line_of_child
from creditline.entrypoints.api.models import (
    ERRORS,
    REFUSABLE,
    AuthorizationIn,
    CaptureIn,
    FreezeIn,
    LimitIn,
    LineIn,
    NoteIn,
    RefundIn,
    ReopenIn,
    RepaymentIn,
)
from creditline.entrypoints.api.observe import AUTHORIZATIONS
from creditline.entrypoints.api.shape import from_minor

router = APIRouter(prefix="/v1", tags=["lines"])
LineId = Annotated[str, Path(max_length=64, examples=["line_31a2030e3de643c7"])]
HoldId = Annotated[str, Path(max_length=64, examples=["hold_31a2030e3de643c7a1b2c3d4e5f6"])]
Call = Annotated[Caller, Depends(Caller)]


@router.get("/lines/{line_id}", responses=ERRORS, summary="A line: status, balances, alerts")
def get_line(line_id: LineId, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.show_line(db, line_id))


@router.post("/lines", responses=REFUSABLE, summary="Open a line (usable once activated)")
def create_line(body: LineIn, call: Call) -> JSONResponse:
    """Without ``limit``, the limit the party's assessment proposes (``GET
    /v1/parties/{id}/assessment``); a referred assessment is refused with its reasons."""
    call.principal.require("line.write")
    limit = None if body.limit is None else from_minor(body.limit, body.currency)
    assessment = None
    if limit is None:
        from creditline.entrypoints.bootstrap import scorecard_store

        cards = scorecard_store(None)
        assessment = creditline.assess_limit(
            call.db, body.party, product=body.product, cards=cards
        ).body
    return call.write(
        "line.write",
        lambda db, key: creditline.open_line(
            db,
            body.party,
            product=body.product,
            limit=limit,
            currency=body.currency,
            key=key,
            assessment=assessment,
        ),
        target=body.party,
        body=body.model_dump(),
        native_key=True,
    )


@router.post("/lines/{line_id}/limit", responses=REFUSABLE, summary="Set a line's limit")
def set_limit(line_id: LineId, body: LimitIn, call: Call) -> JSONResponse:
    """Raised at once; lowered never below what is used (the rest as quota comes back, new
    spending blocked meanwhile). Role risk; audited; the holder sees the change and why."""
    call.principal.require("limit.set")  # before any read: a holder learns nothing
    limit = from_minor(body.limit, call.line_currency(line_id))
    actor = call.principal.label()
    return call.write(
        "limit.set",
        lambda db, key: creditline.set_limit(
            db, line_id, limit=limit, note=body.note, actor=actor, key=key
        ),
        target=line_id,
        note=body.note,
        native_key=True,
    )


@router.post("/lines/{line_id}/close", responses=REFUSABLE, summary="Close a line")
def close_line(line_id: LineId, body: NoteIn, call: Call) -> JSONResponse:
    """Refused (``line_not_settled``) while anything is held or owed."""
    actor = call.principal.label()
    return call.write(
        "line.write",
        lambda db, key: creditline.close_line(db, line_id, note=body.note, actor=actor, key=key),
        target=line_id,
        note=body.note,
        native_key=True,
    )


@router.post("/lines/{line_id}/reopen", responses=REFUSABLE, summary="Reopen a closed line")
def reopen_line(line_id: LineId, body: ReopenIn, call: Call) -> JSONResponse:
    call.principal.require("line.write")
    limit = None if body.limit is None else from_minor(body.limit, call.line_currency(line_id))
    actor = call.principal.label()
    return call.write(
        "line.write",
        lambda db, key: creditline.reopen_line(
            db, line_id, note=body.note, limit=limit, actor=actor, key=key
        ),
        target=line_id,
        note=body.note,
        native_key=True,
    )


@router.get(
    "/lines/{line_id}/limit_changes", responses=ERRORS, summary="A line's limit changes (额度调整)"
)
def get_limit_changes(line_id: LineId, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.limit_changes(db, line_id))


@router.post("/lines/{line_id}/activate", responses=REFUSABLE, summary="Activate a line")
def activate_line(line_id: LineId, call: Call) -> JSONResponse:
    return call.write(
        "line.write",
        lambda db, key: creditline.activate_line(db, line_id, key=key),
        target=line_id,
        native_key=True,
    )


@router.post(
    "/lines/{line_id}/authorizations",
    responses=REFUSABLE,
    summary="Spend: hold quota for a purpose (额度支付); a decline is a 402 with reasons",
)
def create_authorization(line_id: LineId, body: AuthorizationIn, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    call.same_currency(line_id, body.currency)
    amount = from_minor(body.amount, body.currency)
    authorize = creditline.authorize if call.api.group is None else call.api.group.authorize
    response = call.write(
        "spend",
        lambda db, key: authorize(
            db,
            line_id,
            amount=amount,
            purpose=body.purpose,
            key=key,
            order=body.order,
            counterparty=body.counterparty,
        ),
        target=line_id,
        body=body.model_dump(),
        native_key=True,
    )
    AUTHORIZATIONS.labels("declined" if response.status_code == 402 else "approved").inc()
    return response


@router.post("/authorizations/{hold_id}/capture", responses=REFUSABLE, summary="Capture a hold")
def capture(hold_id: HoldId, call: Call, body: CaptureIn | None = None) -> JSONResponse:
    line_id = line_of_child(hold_id, "hold_id")
    call.own(hold_id, "hold_id")
    amount = None
    if body is not None and body.amount is not None:
        amount = from_minor(body.amount, call.line_currency(line_id))
    return call.write(
        "spend",
        lambda db, key: creditline.capture(db, hold_id, amount=amount, key=key),
        target=hold_id,
        native_key=True,
    )


@router.post("/authorizations/{hold_id}/void", responses=REFUSABLE, summary="Void a hold")
def void(hold_id: HoldId, call: Call) -> JSONResponse:
    line_of_child(hold_id, "hold_id")
    call.own(hold_id, "hold_id")
    return call.write(
        "spend",
        lambda db, key: creditline.void(db, hold_id, key=key),
        target=hold_id,
        native_key=True,
    )


@router.post("/authorizations/{hold_id}/refund", responses=REFUSABLE, summary="Refund a capture")
def refund(hold_id: HoldId, body: RefundIn, call: Call) -> JSONResponse:
    line_id = line_of_child(hold_id, "hold_id")
    call.own(hold_id, "hold_id")
    amount = from_minor(body.amount, call.line_currency(line_id))
    return call.write(
        "repayment.record",
        lambda db, key: creditline.refund(db, hold_id, amount=amount, key=key),
        target=hold_id,
        native_key=True,
    )


@router.post(
    "/lines/{line_id}/repayments", responses=REFUSABLE, summary="Repay occupied quota (还款)"
)
def create_repayment(line_id: LineId, body: RepaymentIn, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    call.same_currency(line_id, body.currency)
    amount = from_minor(body.amount, body.currency)
    return call.write(
        "repayment.record",
        lambda db, key: creditline.repay(db, line_id, amount=amount, key=key),
        target=line_id,
        native_key=True,
    )


@router.get(
    "/lines/{line_id}/diagnosis",
    responses=ERRORS,
    summary="Why can't I use my quota? (额度为什么用不了) Every reason, with what to do",
)
def diagnosis(
    line_id: LineId,
    call: Call,
    amount: Annotated[int, Query(gt=0, le=10**15, description="minor units", examples=[10000])],
    purpose: Annotated[str, Query(max_length=40, examples=["procurement"])] = "procurement",
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    counterparty: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    call.own(line_id, "line_id")
    text = from_minor(amount, call.line_currency(line_id))
    return call.read(
        lambda db: creditline.why(
            db, line_id, amount=text, purpose=purpose, lang=lang, counterparty=counterparty
        )
    )


@router.get("/lines/{line_id}/freezes", responses=ERRORS, summary="A line's freezes (冻结)")
def list_freezes(line_id: LineId, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.list_freezes(db, line_id))


@router.post("/lines/{line_id}/freezes", responses=REFUSABLE, summary="Freeze a line")
def create_freeze(line_id: LineId, body: FreezeIn, call: Call) -> JSONResponse:
    call.principal.require("freeze.add")  # before any read: a holder learns nothing
    amount = None if body.amount is None else from_minor(body.amount, call.line_currency(line_id))
    return call.write(
        "freeze.add",
        lambda db, key: creditline.add_freeze(
            db,
            line_id,
            reason=body.reason,
            amount=amount,
            temporary=body.temporary,
            hours=body.hours,
            working_days=body.working_days,
            note=body.note,
            key=key,
        ),
        target=line_id,
        note=body.note,
        native_key=True,
    )


@router.post("/freezes/{freeze_id}/lift", responses=REFUSABLE, summary="Lift a freeze")
def lift_freeze(
    freeze_id: Annotated[str, Path(max_length=64)], body: NoteIn, call: Call
) -> JSONResponse:
    return call.write(
        "freeze.lift",
        lambda db, key: creditline.lift_freeze(db, freeze_id, note=body.note, key=key),
        target=freeze_id,
        note=body.note,
        native_key=True,
    )


@router.get("/lines/{line_id}/statement", responses=ERRORS, summary="Statement (对账单)")
def get_statement(
    line_id: LineId,
    call: Call,
    start: Annotated[str, Query(max_length=10, examples=["2024-10-01"])],
    end: Annotated[str, Query(max_length=10, examples=["2024-10-31"])],
) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.statement(db, line_id, start=start, end=end))


@router.get("/lines/{line_id}/alerts", responses=ERRORS, summary="A line's alerts (预警)")
def list_alerts(
    line_id: LineId,
    call: Call,
    include_closed: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(
        lambda db: creditline.line_alerts(db, line_id, include_closed=include_closed, limit=limit)
    )


@router.get(
    "/lines/{line_id}/exposure",
    responses=ERRORS,
    summary="Open holds and occupancy by order, with age and days left before the limit",
)
def get_exposure(
    line_id: LineId,
    call: Call,
    starting_after: Annotated[
        str | None, Query(max_length=64, description="the previous page's `next` occupancy")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="orders per page")] = 50,
) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(
        lambda db: creditline.line_exposure(db, line_id, after=starting_after, limit=limit)
    )


Days = Annotated[int, Query(ge=1, le=366, description="days back, today included")]


@router.get(
    "/lines/{line_id}/history",
    responses=ERRORS,
    summary="Limit, used and available at the end of each Beijing day, with freezes",
)
def get_history(line_id: LineId, call: Call, days: Days = 90) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.quota_history(db, line_id, days=days))


@router.get(
    "/lines/{line_id}/monitor",
    responses=ERRORS,
    summary="Daily quota monitor (额度监控表): available quota against the monthly flow",
)
def get_monitor(line_id: LineId, call: Call, days: Days = 30) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.quota_monitor(db, line_id, days=days))
