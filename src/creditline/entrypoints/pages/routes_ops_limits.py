"""Operator forms that change a line's limit or its life (额度调整): set the limit (role
risk), close and reopen (role operations). Each calls the use case the CLI and the API call,
through ``perform`` (audited, once per form); the line's page shows the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

import creditline
from creditline import Answer, Database, NotFound
from creditline.entrypoints.pages.render import text
from creditline.entrypoints.pages.routes_ops_gate import (
    act_on_form,
    back,
    checked_form,
    flash,
    not_found,
    operator,
)

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=1024)]
Note = Annotated[str, Form(max_length=2000)]
LineId = Annotated[str, Path(max_length=64)]
#: op → (action, what the use case is called with).
ACTIONS = {"set": "limit.set", "close": "line.write", "reopen": "line.write"}


@router.post("/ops/lines/{line_id}/limit", response_model=None)
def change_limit(
    request: Request,
    line_id: LineId,
    csrf: Field = "",
    op: Field = "set",
    limit: Field = "",
    note: Note = "",
    form_key: Field = "",
) -> Response:
    action = ACTIONS.get(op)
    if action is None:
        return not_found(request)
    who = operator(request, action)
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
    actor = who.label()
    amount = limit.strip() or None
    uses: dict[str, Callable[[Database, str], Answer]] = {
        "set": lambda db, key: creditline.set_limit(
            db, line_id, limit=amount or "", note=note, actor=actor, key=key
        ),
        "close": lambda db, key: creditline.close_line(
            db, line_id, note=note, actor=actor, key=key
        ),
        "reopen": lambda db, key: creditline.reopen_line(
            db, line_id, note=note, limit=amount, actor=actor, key=key
        ),
    }
    missing = "ops_note_required" if not note.strip() else None
    if op == "set" and amount is None:
        missing = missing or "ops_limit_required"
    if missing is not None:
        flash(request, text(request, missing), error=True)
        return back(here)

    def done(answer: Answer) -> str:
        body = answer.body
        said = f"{text(request, 'ops_limit_changed')}: {body['from_limit']} → {body['to_limit']}"
        if body["pending_reduction"] != "0.00":
            said += f" ({text(request, 'ops_limit_pending')} {body['pending_reduction']})"
        return said

    return act_on_form(
        request,
        who,
        action,
        uses[op],
        target=line_id,
        note=note,
        form_key=form_key,
        back_to=here,
        done=done,
    )
