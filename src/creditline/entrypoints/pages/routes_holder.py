"""The holder's pages: 额度管理 (``/lines/{id}``: balances, freezes and what lifts them, open
alerts) and 额度为什么用不了 (``/lines/{id}/why?amount=&purpose=``: every reason of the
diagnosis with its facts, what to do and when it clears). A holder sees only its own lines;
another's is the same 404 page as a line that does not exist. Operators see every line."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

import creditline
from creditline import CreditlineError, NotFound, Principal
from creditline.entrypoints.pages.render import PURPOSES, lang_of, page
from creditline.entrypoints.pages.routes_signin import to_signin
from creditline.entrypoints.pages.session import visitor

router = APIRouter(include_in_schema=False)
LineId = Annotated[str, Path(max_length=64)]


def _not_found(request: Request) -> Response:
    return page(request, "error.html", {"what": "not_found"}, status=404)


def _may_see(request: Request, who: Principal, line_id: str) -> bool:
    """An operator reads any line; a holder only its own (the API's rule, ``Caller.own``)."""
    if who.party_id is None:
        return who.may("read")
    return bool(request.app.state.api.owner(line_id) == who.party_id)


@router.get("/lines/{line_id}", response_model=None)
def line_page(request: Request, line_id: LineId) -> Response:
    line = _visible_line(request, line_id)
    if isinstance(line, Response):
        return line
    freezes = creditline.list_freezes(request.app.state.api.db, line_id).body["freezes"]
    return page(request, "line.html", {"line": line, "freezes": freezes})


def _visible_line(request: Request, line_id: str) -> dict[str, Any] | Response:
    """The line the visitor may see, or the page to answer instead (sign in, or not found:
    another holder's line is exactly as missing as no line)."""
    who = visitor(request)
    if who is None:
        return to_signin(request)
    if not _may_see(request, who, line_id):
        return _not_found(request)
    try:
        return creditline.show_line(request.app.state.api.db, line_id).body
    except NotFound:
        return _not_found(request)


@router.get("/lines/{line_id}/why", response_model=None)
def why_page(
    request: Request,
    line_id: LineId,
    amount: Annotated[str, Query(max_length=32)] = "",
    purpose: Annotated[str, Query(max_length=32)] = "procurement",
) -> Response:
    line = _visible_line(request, line_id)
    if isinstance(line, Response):
        return line
    db = request.app.state.api.db
    answer: dict[str, Any] | None = None
    error: str | None = None
    if amount:
        try:
            answer = creditline.why(
                db, line_id, amount=amount, purpose=purpose, lang=lang_of(request)
            ).body
        except CreditlineError as exc:  # bad input: said on the form, next to the fields
            error = exc.message
    context = {
        "line": line,
        "answer": answer,
        "error": error,
        "amount": amount,
        "purpose": purpose,
        "purposes": PURPOSES,
    }
    return page(request, "why.html", context, status=400 if error else 200)
