"""Incidents (系统故障) on the pages: the operators' ``/ops/incidents`` (every incident, a form to
open one over lines, a form to close an open one with a temporary quota, and a form to grant a
temporary quota without an incident), and ``temporary_section``, what the holder's quota page
shows of its temporary quota (临时额度) and of an open incident over its line. Everything is
the use cases' answer, the CLI's and the API's."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

import creditline
from creditline import Answer, Database, InvalidInput
from creditline.entrypoints.pages.render import page, text
from creditline.entrypoints.pages.routes_ops_gate import (
    act_on_form,
    checked_form,
    new_form_key,
    operator,
    take_flash,
)

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=1024)]
Note = Annotated[str, Form(max_length=2000)]
Lines = Annotated[str, Form(max_length=40_000)]
HERE = "/ops/incidents"
ACTION = "incident.write"


def temporary_section(db: Database, line_id: str) -> dict[str, Any]:
    """The holder's temporary quota and the open incidents over its line (quota page)."""
    return creditline.temporary_quota(db, line_id).body


def _whole(text_value: str, field: str) -> int | None:
    value = text_value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        raise InvalidInput(field, f"{field} must be a whole number")
    return int(value)


@router.get("/ops/incidents", response_model=None)
def incidents_page(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    db = request.app.state.api.db
    found = creditline.list_incidents(db).body["data"]
    details = {
        i["id"]: creditline.show_incident(db, i["id"]).body["lines"]
        for i in found
        if i["status"] == "open"
    }
    context = {
        "incidents": found,
        "details": details,
        "flash": take_flash(request),
        "may_write": who.may(ACTION),
        "form_key": new_form_key(),
    }
    return page(request, "ops_incidents.html", context)


def _said(request: Request, message: str) -> Callable[[Answer], str]:
    """What a done form says: ``message`` and the id of what it made or closed."""
    return lambda answer: f"{text(request, message)}: {answer.body.get('id', '')}"


@router.post("/ops/incidents", response_model=None)
def open_incident(
    request: Request,
    csrf: Field = "",
    lines: Lines = "",
    title: Field = "",
    note: Note = "",
    estimate_hours: Field = "",
    form_key: Field = "",
) -> Response:
    who = operator(request, ACTION)
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    chosen = [x for x in re.split(r"[\s,，]+", lines) if x]
    return act_on_form(
        request,
        who,
        ACTION,
        lambda db, key: creditline.open_incident(
            db,
            lines=chosen,
            title=title,
            note=note,
            estimate_hours=_whole(estimate_hours, "estimate_hours"),
            actor=who.label(),
            key=key,
        ),
        target=",".join(chosen)[:200],
        note=title,
        form_key=form_key,
        back_to=HERE,
        done=_said(request, "inc_opened_msg"),
    )


@router.post("/ops/incidents/{incident_id}/close", response_model=None)
def close_incident(
    request: Request,
    incident_id: Annotated[str, Path(max_length=64)],
    csrf: Field = "",
    note: Note = "",
    temporary_amount: Field = "",
    temporary_days: Field = "",
    form_key: Field = "",
) -> Response:
    who = operator(request, ACTION)
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    return act_on_form(
        request,
        who,
        ACTION,
        lambda db, key: creditline.close_incident(
            db,
            incident_id,
            note=note,
            temporary_amount=temporary_amount.strip() or None,
            temporary_days=_whole(temporary_days, "temporary_days"),
            actor=who.label(),
            key=key,
        ),
        target=incident_id,
        note=note,
        form_key=form_key,
        back_to=HERE,
        done=_said(request, "inc_closed_msg"),
        missing_page=True,
    )


@router.post("/ops/temporary_quota", response_model=None)
def grant_temporary(
    request: Request,
    csrf: Field = "",
    line: Field = "",
    amount: Field = "",
    days: Field = "",
    note: Note = "",
    form_key: Field = "",
) -> Response:
    who = operator(request, ACTION)
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    line_id = line.strip()
    return act_on_form(
        request,
        who,
        ACTION,
        lambda db, key: creditline.grant_temporary_quota(
            db,
            line_id,
            amount=amount.strip(),
            days=_whole(days, "days"),
            note=note,
            actor=who.label(),
            key=key,
        ),
        target=line_id,
        note=note,
        form_key=form_key,
        back_to=HERE,
        done=_said(request, "inc_granted_msg"),
    )
