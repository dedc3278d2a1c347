"""Operator pages of appeals (申诉): the queue of open ones (``/ops/appeals``, with the latest
decided below), one appeal with every step (``/ops/appeals/{id}``) and, for role risk, the form
that decides it: the same use case as the CLI and the API, through ``perform`` (audited, once
per form)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

import creditline
from creditline import InvalidInput, NotFound
from creditline.entrypoints import bootstrap
from creditline.entrypoints.pages.render import lang_of, page, text
from creditline.entrypoints.pages.routes_ops_gate import (
    act_on_form,
    checked_form,
    new_form_key,
    not_found,
    operator,
    take_flash,
)

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=1024)]
Note = Annotated[str, Form(max_length=2000)]
AppealId = Annotated[str, Path(max_length=64)]
OUTCOMES = ("restore", "partial", "reject")
DECIDED_SHOWN = 20
#: The amounts among the steps' details, shown as money.
MONEY_DETAIL = frozenset(
    {"limit_now", "from_limit", "to_limit", "pending_reduction", "decided_limit", "proposed_limit"}
)


@router.get("/ops/appeals", response_model=None)
def appeals_page(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    db = request.app.state.api.db
    context = {
        "open": creditline.list_appeals(db, status="submitted").body["data"],
        "decided": creditline.list_appeals(db, status="decided", limit=DECIDED_SHOWN).body["data"],
    }
    return page(request, "ops_appeals.html", context)


@router.get("/ops/appeals/{appeal_id}", response_model=None)
def appeal_page(request: Request, appeal_id: AppealId) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    db = request.app.state.api.db
    try:
        appeal = creditline.show_appeal(db, appeal_id).body
    except (NotFound, InvalidInput):
        return not_found(request)
    freezes = creditline.list_freezes(db, appeal["line"]).body["freezes"]
    context = {
        "a": appeal,
        "freezes": [f for f in freezes if f["in_force"]],
        "flash": take_flash(request),
        "may_decide": who.may("appeal.decide"),
        "outcomes": OUTCOMES,
        "form_key": new_form_key(),
        "money_keys": MONEY_DETAIL,
    }
    return page(request, "ops_appeal.html", context)


@router.post("/ops/appeals/{appeal_id}/decision", response_model=None)
def decide(
    request: Request,
    appeal_id: AppealId,
    csrf: Field = "",
    outcome: Field = "",
    limit: Field = "",
    lift: Annotated[list[str] | None, Form(max_length=20)] = None,
    note: Note = "",
    form_key: Field = "",
) -> Response:
    who = operator(request, "appeal.decide")
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    db = request.app.state.api.db
    try:
        creditline.show_appeal(db, appeal_id)
    except (NotFound, InvalidInput):
        return not_found(request)
    here = f"/ops/appeals/{appeal_id}"
    cards = bootstrap.scorecard_store(None)
    return act_on_form(
        request,
        who,
        "appeal.decide",
        lambda d, key: creditline.decide_appeal(
            d,
            appeal_id,
            outcome=outcome,
            limit=limit.strip() or None,
            lift_freezes=lift or [],
            note=note,
            actor=who.label(),
            key=key,
            cards=cards,
        ),
        target=appeal_id,
        note=note,
        form_key=form_key,
        back_to=here,
        done=lambda a: (
            f"{text(request, 'ops_apl_decided')}: {a.body[f'outcome_{lang_of(request)}']}"
        ),
    )
