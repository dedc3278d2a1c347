"""The operator desk (/ops/): the dashboard and the review queue here; a line's full picture,
freezes, policy, payouts and webhooks in ``routes_ops_lines``; cases, rings and long jobs in
``routes_ops_desk``. Every page is gated by role as the API is (``routes_ops_gate``), and every
action goes through ``creditline.act`` as the API's do, audited in its own transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

import creditline
from creditline import CreditlineError, InvalidInput
from creditline.entrypoints.pages import (
    routes_ops_appeals,
    routes_ops_desk,
    routes_ops_incidents,
    routes_ops_limits,
    routes_ops_lines,
)
from creditline.entrypoints.pages.render import lang_of, page, text
from creditline.entrypoints.pages.routes_ops_gate import (
    back,
    checked_form,
    flash,
    new_form_key,
    operator,
    perform,
    refusal_text,
    take_flash,
)

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=1024)]
Note = Annotated[str, Form(max_length=2000)]
QUEUE_SHOWN = 100


@router.get("/ops", response_model=None)
@router.get("/ops/", response_model=None)
def dashboard_page(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    body = creditline.dashboard(request.app.state.api.db).body
    return page(request, "ops_dashboard.html", {"d": body, "flash": take_flash(request)})


@router.get("/ops/queue", response_model=None)
def queue_page(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    body = creditline.review_queue(request.app.state.api.db, limit=QUEUE_SHOWN).body
    context = {
        "items": body["pending"],
        "flash": take_flash(request),
        "may_decide": who.may("risk.decide"),
        "form_key": new_form_key(),
    }
    return page(request, "ops_queue.html", context)


@router.post("/ops/queue/{decision_id}", response_model=None)
def decide_page(
    request: Request,
    decision_id: Annotated[str, Path(max_length=64)],
    csrf: Field = "",
    outcome: Field = "",
    note: Note = "",
    form_key: Field = "",
) -> Response:
    who = operator(request, "risk.decide")
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    try:
        if outcome not in {"approve", "decline"}:
            raise InvalidInput("outcome", text(request, "ops_bad_outcome"))
        if not note.strip():
            raise InvalidInput("note", text(request, "ops_note_required"))
        answer = perform(
            request,
            who,
            "risk.decide",
            lambda db, key: creditline.decide(
                db, decision_id, verdict=outcome, by=who.name, note=note, key=key
            ),
            target=decision_id,
            note=note,
            form_key=form_key,
        )
    except CreditlineError as exc:
        flash(request, f"{decision_id}: {exc.message}", error=True)
        return back("/ops/queue")
    said = refusal_text(answer, lang_of(request))
    if said is not None:
        flash(request, f"{decision_id}: {said}", error=True)
        return back("/ops/queue")
    done = text(request, "ops_approved_msg" if outcome == "approve" else "ops_declined_msg")
    flash(request, f"{done}: {decision_id}")
    return back("/ops/queue")


router.include_router(routes_ops_lines.router)
router.include_router(routes_ops_desk.router)
router.include_router(routes_ops_limits.router)
router.include_router(routes_ops_appeals.router)
router.include_router(routes_ops_incidents.router)
