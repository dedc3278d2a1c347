"""The limit assessment page (额度评估): the holder's own at ``/parties/{id}/assessment``, and
an operator's view of any party at ``/ops/parties/{id}/assessment``. A holder sees only its own
party (another's is the same 404 page as a party that does not exist). The answer is the use
case's, the CLI's ``limit assess`` and the API's ``GET /v1/parties/{id}/assessment``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

import creditline
from creditline import InvalidInput, NotFound
from creditline.entrypoints.pages.render import page
from creditline.entrypoints.pages.routes_ops_gate import not_found, operator
from creditline.entrypoints.pages.routes_signin import to_signin
from creditline.entrypoints.pages.session import visitor

router = APIRouter(include_in_schema=False)
PartyId = Annotated[str, Path(max_length=64)]
Product = Annotated[str | None, Query(max_length=24)]


def _assessment(request: Request, party_id: str, product: str | None, *, ops: bool) -> Response:
    from creditline.entrypoints.bootstrap import scorecard_store

    try:
        body = creditline.assess_limit(
            request.app.state.api.db, party_id, product=product, cards=scorecard_store(None)
        ).body
    except NotFound:
        return not_found(request)
    except InvalidInput as exc:
        context = {"what": "bad_request", "detail": exc.param or ""}
        return page(request, "error.html", context, status=400)
    return page(request, "credit_assessment.html", {"a": body, "ops": ops})


@router.get("/parties/{party_id}/assessment", response_model=None)
def holder_assessment(request: Request, party_id: PartyId, product: Product = None) -> Response:
    who = visitor(request)
    if who is None:
        return to_signin(request)
    allowed = who.party_id == party_id if who.party_id is not None else who.may("read")
    if not allowed:
        return not_found(request)
    return _assessment(request, party_id, product, ops=who.party_id is None)


@router.get("/ops/parties/{party_id}/assessment", response_model=None)
def ops_assessment(request: Request, party_id: PartyId, product: Product = None) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    return _assessment(request, party_id, product, ops=True)
