"""The holder's appeals (申诉) on the quota page: ``section`` feeds ``_quota_appeals.html`` (the
latest appeals with their state and steps, and the form to submit one), and ``POST
/lines/{id}/appeals`` submits it through the same use case as the CLI and the API. A holder
appeals only on its own lines (another's is the 404 page); operations may submit for one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

import creditline
from creditline import CreditlineError
from creditline.entrypoints.pages.render import lang_of, page, text
from creditline.entrypoints.pages.routes_ops_gate import (
    back,
    new_form_key,
    not_found,
    perform,
    refusal_text,
)
from creditline.entrypoints.pages.routes_signin import to_signin
from creditline.entrypoints.pages.session import csrf_ok, visitor

router = APIRouter(include_in_schema=False)
LineId = Annotated[str, Path(max_length=64)]
Field = Annotated[str, Form(max_length=1024)]
Lines = Annotated[str, Form(max_length=20_000)]
FLASH = "appeal_flash"
#: The appeals the quota page lists (the latest first).
SHOWN = 5


def section(
    request: Request,
    line_id: str,
    *,
    db: creditline.Database | None = None,
    who: creditline.Principal | None = None,
) -> dict[str, Any]:
    """What ``_quota_appeals.html`` shows: the line's latest appeals, the steps of the open
    one (else the newest), the message the last form left, and whether the visitor may submit
    one. ``db``: the page's read snapshot, if it has one; ``who``: the visitor, if known."""
    db = db or request.app.state.api.db
    items = creditline.list_appeals(db, line=line_id, limit=SHOWN).body["data"]
    # The open appeal first (there is at most one), else the newest.
    items.sort(key=lambda a: a["status"] != "submitted")
    latest = creditline.show_appeal(db, items[0]["id"]).body if items else None
    who = who or visitor(request)
    found = request.session.pop(FLASH, None)
    return {
        "items": items,
        "latest": latest,
        "open": bool(items) and items[0]["status"] == "submitted",
        "flash": found if isinstance(found, dict) else None,
        "may_submit": who is not None and who.may("appeal.submit"),
        "form_key": new_form_key(),
    }


def evidence_of(orders: str, statement_lines: str, amounts: str, documents: str) -> Any:
    """The form's evidence, one item a line, as the use case takes it: an amount line may
    carry a note after the amount; a document line is a type, an id (``doc_…``), or both."""

    def lines(value: str) -> list[str]:
        return [line.strip() for line in value.splitlines() if line.strip()]

    money = []
    for line in lines(amounts):
        amount, _, note = line.partition(" ")
        money.append({"amount": amount, "note": note.strip()})
    docs: list[Any] = []
    for line in lines(documents):
        words = line.split()
        ids = [w for w in words if w.startswith("doc_")]
        kinds = [w for w in words if not w.startswith("doc_")]
        doc: dict[str, str] = {}
        if kinds:
            doc["type"] = kinds[0]
        if ids:
            doc["id"] = ids[0]
        docs.append(doc)
    found = {
        "orders": lines(orders),
        "statement_lines": lines(statement_lines),
        "amounts": money,
        "documents": docs,
    }
    return {k: v for k, v in found.items() if v} or None


def _say(request: Request, message: str, *, error: bool) -> None:
    request.session[FLASH] = {"text": message[:500], "error": error}


@router.post("/lines/{line_id}/appeals", response_model=None)
def submit_appeal(
    request: Request,
    line_id: LineId,
    csrf: Field = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    orders: Lines = "",
    statement_lines: Lines = "",
    amounts: Lines = "",
    documents: Lines = "",
    form_key: Field = "",
) -> Response:
    who = visitor(request)
    if who is None:
        return to_signin(request)
    if not csrf_ok(request, csrf):
        return page(request, "error.html", {"what": "ops_bad_form"}, status=403)
    db = request.app.state.api.db
    mine = who.party_id is None or request.app.state.api.owner(line_id) == who.party_id
    if not mine or not who.may("appeal.submit"):
        return not_found(request)
    here = f"/lines/{line_id}#appeals"
    evidence = evidence_of(orders, statement_lines, amounts, documents)
    try:
        creditline.show_line(db, line_id)
        answer = perform(
            request,
            who,
            "appeal.submit",
            lambda d, key: creditline.submit_appeal(
                d, line_id, reason=reason, evidence=evidence, key=key, actor=who.label()
            ),
            target=line_id,
            form_key=form_key,
        )
    except creditline.NotFound:
        return not_found(request)
    except CreditlineError as exc:
        _say(request, exc.message, error=True)
        return back(here)
    said = refusal_text(answer, lang_of(request))
    if said is not None:
        _say(request, said, error=True)
    else:
        _say(request, f"{text(request, 'apl_sent')}: {answer.body['id']}", error=False)
    return back(here)
