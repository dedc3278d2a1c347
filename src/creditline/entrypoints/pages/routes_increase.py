"""Increase requests (提额申请) on the pages: a holder asks for a higher limit from its quota
page (``POST /lines/{id}/limit-requests``) and sees each request's outcome there; operators see
the referred ones at ``/ops/limit-requests`` and decide them (role risk). Every form calls the
use case the CLI and the API call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

import creditline
from creditline import Answer, Database
from creditline.entrypoints.pages.render import page, text
from creditline.entrypoints.pages.routes_holder import visible_line
from creditline.entrypoints.pages.routes_ops_gate import (
    act_on_form,
    checked_form,
    new_form_key,
    not_found,
    operator,
    take_flash,
)
from creditline.entrypoints.pages.session import visitor

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=1024)]
Note = Annotated[str, Form(max_length=2000)]
LineId = Annotated[str, Path(max_length=64)]


@router.post("/lines/{line_id}/limit-requests", response_model=None)
def ask(
    request: Request,
    line_id: LineId,
    csrf: Field = "",
    amount: Field = "",
    reason: Note = "",
    form_key: Field = "",
) -> Response:
    line = visible_line(request, line_id)
    if isinstance(line, Response):
        return line
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    who = visitor(request)
    if who is None or not who.may("limit.request"):
        return not_found(request)
    here = f"/lines/{line_id}#limit-requests"
    from creditline.entrypoints.bootstrap import scorecard_store

    def run(d: Database, key: str) -> Answer:
        assessment = creditline.assess_limit(
            d, str(line["party"]), product=str(line["product"]), cards=scorecard_store(None)
        ).body
        return creditline.request_increase(
            d,
            line_id,
            amount=amount.strip(),
            reason=reason,
            assessment=assessment,
            actor=who.label(),
            key=key,
        )

    return act_on_form(
        request,
        who,
        "limit.request",
        run,
        target=line_id,
        note=reason,
        form_key=form_key,
        back_to=here,
        done=lambda a: f"{text(request, 'lrq_status_' + a.body['status'])}: {a.body['id']}",
    )


@router.get("/ops/limit-requests", response_model=None)
def queue(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    db = request.app.state.api.db
    context = {
        "requests": creditline.list_requests(db, status="referred").body["requests"],
        "may_decide": who.may("limit.decide"),
        "flash": take_flash(request),
        "form_key": new_form_key(),
    }
    return page(request, "ops_limit_requests.html", context)


@router.post("/ops/limit-requests/{request_id}", response_model=None)
def decide(
    request: Request,
    request_id: Annotated[str, Path(max_length=64)],
    csrf: Field = "",
    outcome: Field = "",
    limit: Field = "",
    note: Note = "",
    form_key: Field = "",
) -> Response:
    who = operator(request, "limit.decide")
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    return act_on_form(
        request,
        who,
        "limit.decide",
        lambda d, key: creditline.decide_request(
            d,
            request_id,
            outcome=outcome,
            note=note,
            limit=limit.strip() or None,
            actor=who.label(),
            key=key,
        ),
        target=request_id,
        note=note,
        form_key=form_key,
        back_to="/ops/limit-requests",
        done=lambda a: f"{text(request, 'lrq_status_' + a.body['status'])}: {request_id}",
    )
