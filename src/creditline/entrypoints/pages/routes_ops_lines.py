"""Operator pages about lines and the platform: a line's full picture (``/ops/lines/{id}``:
what the holder sees, the freezes with forms to add and lift them, the audit trail and the
line's events), the policy in force at any time (``/ops/policy?at=``), payouts with their
failures, and webhook endpoints with their attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

import creditline
from creditline import CreditlineError, InvalidInput, NotFound
from creditline.entrypoints.pages.render import lang_of, page, text
from creditline.entrypoints.pages.routes_ops_gate import (
    back,
    checked_form,
    flash,
    new_form_key,
    not_found,
    operator,
    perform,
    refusal_text,
    take_flash,
)

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=1024)]
Note = Annotated[str, Form(max_length=2000)]
LineId = Annotated[str, Path(max_length=64)]
FREEZE_REASONS = ("risk", "dispute", "qualification", "operator", "system_fault")
TRAIL = 100
#: Before any policy change: the policy then has every recorded change still to come.
DAWN = "1970-01-01T08:00:00+08:00"


def line_of_freeze(freeze_id: str) -> str | None:
    """The line a freeze's id names (freeze ids carry their line's), or None."""
    kind, _, rest = freeze_id.partition("_")
    if kind != "frz" or len(rest) != 28 or not rest.isalnum():
        return None
    return f"line_{rest[:16]}"


@router.get("/ops/lines", response_model=None)
def goto_line(request: Request, id: Annotated[str, Query(max_length=64)] = "") -> Response:  # noqa: A002
    """The nav's form: go to a line's full picture."""
    who = operator(request)
    if isinstance(who, Response):
        return who
    if not id.startswith("line_") or not id[5:].isalnum():
        return not_found(request)
    return back(f"/ops/lines/{id}")


@router.get("/ops/lines/{line_id}", response_model=None)
def line_picture(request: Request, line_id: LineId) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    db = request.app.state.api.db
    try:
        line = creditline.show_line(db, line_id).body
    except NotFound:
        return not_found(request)
    freezes = creditline.list_freezes(db, line_id).body["freezes"]
    audit: dict[str, Any] | None = None
    if who.may("audit.read"):
        audit = creditline.line_audit(db, line_id, limit=TRAIL, newest=True).body
    events = creditline.line_events(db, line_id, limit=TRAIL, newest=True).body
    context = {
        "line": line,
        "freezes": freezes,
        "audit": audit,
        "events": events,
        "flash": take_flash(request),
        "may_add": who.may("freeze.add"),
        "may_lift": who.may("freeze.lift"),
        "may_set_limit": who.may("limit.set"),
        "may_close": who.may("line.write"),
        "limits": creditline.limit_changes(db, line_id, limit=10).body,
        "reasons": FREEZE_REASONS,
        "form_key": new_form_key(),
    }
    return page(request, "ops_line.html", context)


def _optional_int(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(field, f"{field} must be a whole number")
    return int(text)


@router.post("/ops/lines/{line_id}/freezes", response_model=None)
def add_freeze(
    request: Request,
    line_id: LineId,
    csrf: Field = "",
    reason: Field = "risk",
    amount: Field = "",
    hours: Field = "",
    note: Note = "",
    form_key: Field = "",
) -> Response:
    who = operator(request, "freeze.add")
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    here = f"/ops/lines/{line_id}"
    try:
        creditline.show_line(request.app.state.api.db, line_id)
    except NotFound:
        return not_found(request)
    try:
        if not note.strip():
            raise InvalidInput("note", text(request, "ops_note_required"))
        count = _optional_int(hours, "hours")
        answer = perform(
            request,
            who,
            "freeze.add",
            lambda db, key: creditline.add_freeze(
                db,
                line_id,
                reason=reason,
                amount=amount.strip() or None,
                hours=count,
                note=note,
                key=key,
            ),
            target=line_id,
            note=note,
            form_key=form_key,
        )
    except CreditlineError as exc:
        flash(request, exc.message, error=True)
        return back(here)
    said = refusal_text(answer, lang_of(request))
    if said is not None:
        flash(request, said, error=True)
    else:
        flash(request, f"{text(request, 'ops_frozen_msg')}: {answer.body.get('id', '')}")
    return back(here)


@router.post("/ops/freezes/{freeze_id}/lift", response_model=None)
def lift_freeze(
    request: Request,
    freeze_id: Annotated[str, Path(max_length=64)],
    csrf: Field = "",
    note: Note = "",
    form_key: Field = "",
) -> Response:
    who = operator(request, "freeze.lift")
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    line_id = line_of_freeze(freeze_id)
    if line_id is None:
        return not_found(request)
    here = f"/ops/lines/{line_id}"
    try:
        if not note.strip():
            raise InvalidInput("note", text(request, "ops_note_required"))
        answer = perform(
            request,
            who,
            "freeze.lift",
            lambda db, key: creditline.lift_freeze(db, freeze_id, note=note, key=key),
            target=freeze_id,
            note=note,
            form_key=form_key,
        )
    except NotFound:
        return not_found(request)
    except CreditlineError as exc:
        flash(request, exc.message, error=True)
        return back(here)
    said = refusal_text(answer, lang_of(request))
    if said is not None:
        flash(request, said, error=True)
    else:
        flash(request, f"{text(request, 'ops_lifted_msg')}: {freeze_id}")
    return back(here)


@router.get("/ops/policy", response_model=None)
def policy_page(request: Request, at: Annotated[str, Query(max_length=40)] = "") -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    db = request.app.state.api.db
    error = None
    when = None
    if at:
        try:  # the form's datetime-local is Beijing time without an offset
            naive = datetime.fromisoformat(at)
            when = (
                naive if naive.tzinfo else naive.replace(tzinfo=creditline.SHANGHAI)
            ).isoformat()
        except ValueError:
            error = text(request, "ops_when") + ": YYYY-MM-DDTHH:MM"
    try:
        policy = creditline.show_policy(db, when).body
    except CreditlineError as exc:
        error, policy = exc.message, creditline.show_policy(db).body
    # every recorded change: those "scheduled" after the start of time, newest first
    changes = creditline.show_policy(db, DAWN).body["scheduled"]
    history = sorted(changes, key=lambda c: (c["effective_at"], c["version"]), reverse=True)
    context = {"policy": policy, "at": at, "error": error, "history": history}
    return page(request, "ops_policy.html", context, status=400 if error else 200)


@router.get("/ops/payouts", response_model=None)
def payouts_page(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    payouts = creditline.list_payouts(request.app.state.api.db).body["data"]
    failing = [p for p in payouts if p["status"] != "paid" and p["failures_in_row"]]
    return page(request, "ops_payouts.html", {"payouts": payouts, "failing": failing})


@router.get("/ops/webhooks", response_model=None)
def webhooks_page(request: Request) -> Response:
    who = operator(request, "webhooks.write")  # as the API's GET /v1/webhook_endpoints
    if isinstance(who, Response):
        return who
    db = request.app.state.api.db
    endpoints = creditline.list_endpoints(db).body["data"]
    attempts = {e["id"]: creditline.list_attempts(db, e["id"]).body["data"] for e in endpoints}
    return page(request, "ops_webhooks.html", {"endpoints": endpoints, "attempts": attempts})
