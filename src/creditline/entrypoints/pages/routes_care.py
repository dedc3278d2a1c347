"""The holder's care pages, one per party: 自测清单 (``/parties/{id}/self-check``), 安全中心
(``/parties/{id}/security``) and 政策变更 (``/parties/{id}/policy-changes?days=``). A holder
sees only its own party (another's is the same 404 page as a party that does not exist);
operators who may read see any. The answers are the use cases' (the CLI's and the API's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

import creditline
from creditline import Answer, Database, NotFound
from creditline.entrypoints.pages.render import page
from creditline.entrypoints.pages.routes_signin import to_signin
from creditline.entrypoints.pages.session import visitor

router = APIRouter(include_in_schema=False)
PartyId = Annotated[str, Path(max_length=64)]
DEFAULT_DAYS, MAX_DAYS = 30, 366


def _answer(
    request: Request, party_id: str, use_case: Callable[[Database], Answer]
) -> dict[str, Any] | Response:
    """The use case's answer for a party the visitor may see, or the page to answer instead
    (sign in, or not found: another holder's party is exactly as missing as none)."""
    who = visitor(request)
    if who is None:
        return to_signin(request)
    allowed = who.party_id == party_id if who.party_id is not None else who.may("read")
    if not allowed:
        return page(request, "error.html", {"what": "not_found"}, status=404)
    try:
        return use_case(request.app.state.api.db).body
    except NotFound:
        return page(request, "error.html", {"what": "not_found"}, status=404)


@router.get("/parties/{party_id}/self-check", response_model=None)
def self_check_page(request: Request, party_id: PartyId) -> Response:
    body = _answer(request, party_id, lambda db: creditline.self_check(db, party_id))
    if isinstance(body, Response):
        return body
    return page(request, "care_self_check.html", {"a": body, "here": "self_check"})


@router.get("/parties/{party_id}/security", response_model=None)
def security_page(request: Request, party_id: PartyId) -> Response:
    body = _answer(request, party_id, lambda db: creditline.security_centre(db, party_id))
    if isinstance(body, Response):
        return body
    return page(request, "care_security.html", {"a": body, "here": "security"})


@router.get("/parties/{party_id}/policy-changes", response_model=None)
def policy_changes_page(
    request: Request,
    party_id: PartyId,
    days: Annotated[str, Query(max_length=8)] = "30",
) -> Response:
    """``days`` that is no whole number from 1 to 366 is said on the form (a 400), and the
    page shows the default 30 days meanwhile."""
    wanted = int(days) if days.isascii() and days.isdigit() else 0
    error = None if 1 <= wanted <= MAX_DAYS else "care_pc_bad_days"
    chosen = wanted if error is None else DEFAULT_DAYS
    body = _answer(request, party_id, lambda db: creditline.policy_changes(db, party_id, chosen))
    if isinstance(body, Response):
        return body
    context = {"a": body, "here": "policy_changes", "error": error, "days": days}
    return page(request, "care_policy_changes.html", context, status=400 if error else 200)
