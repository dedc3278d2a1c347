"""``POST /v1/authorizations/batch``: many spends on many lines, one durable commit (批量授权).

Each spend has its own idempotency key (scoped to the caller, as the ``Idempotency-Key``
header of a single authorisation is, so one key replays the same answer either way), its own
risk score and its own result with the status a single authorisation would have answered
(a holder naming a line not its own is refused whole, 404, as a single call would be):
200 authorised (or held for review), 402 declined with reasons, 400/404/409 bad input. The
batch itself answers 200 once everything in it is committed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

import creditline
from creditline.entrypoints.api.calls import Caller, refusal
from creditline.entrypoints.api.error_responses import status_of
from creditline.entrypoints.api.models import ERRORS, BatchIn
from creditline.entrypoints.api.observe import AUTHORIZATIONS
from creditline.entrypoints.api.shape import from_minor, to_api

router = APIRouter(prefix="/v1", tags=["lines"])
Call = Annotated[Caller, Depends(Caller)]

#: An error's status by its code (the service gives the error's JSON, not the exception).
ERROR_STATUSES = {"resource_missing": 404, "idempotency_key_reused": 409}


@router.post(
    "/authorizations/batch",
    responses=ERRORS,
    summary="Many spends, one commit (批量授权): each spend its own key, score and answer",
)
def create_authorization_batch(body: BatchIn, call: Call) -> JSONResponse:
    call.principal.require("spend")
    owner = call.principal.key_id or call.principal.label()
    results: list[dict[str, Any] | None] = [None] * len(body.authorizations)
    spends: list[tuple[int, dict[str, Any]]] = []
    for i, item in enumerate(body.authorizations):
        # A holder's batch reaches its own lines only: another's refuses the whole request,
        # as missing (a single call's answer), before anything is written.
        call.own(item.line, f"authorizations[{i}].line")
    for i, item in enumerate(body.authorizations):
        try:
            call.same_currency(item.line, item.currency)
            amount = from_minor(item.amount, item.currency)
        except creditline.InvalidInput as exc:
            results[i] = _error(item.idempotency_key, item.line, status_of(exc), exc.to_json())
            continue
        spend = {
            "line": item.line,
            "amount": amount,
            "purpose": item.purpose,
            "key": creditline.scoped_key(owner, item.idempotency_key),
            "order": item.order,
            "counterparty": item.counterparty,
        }
        spends.append((i, spend))
    if spends:
        answer = creditline.act(
            call.db,
            call.principal,
            "spend",
            lambda db: creditline.authorize_batch(db, [s for _, s in spends]),
            target="batch",
            request_id=call.request_id,
        )
        for (i, _), result in zip(spends, answer.body["results"], strict=True):
            results[i] = _shaped(body.authorizations[i].idempotency_key, result)
    done = [r for r in results if r is not None]
    for i, r in enumerate(done):
        r["index"] = i
    counts = {o: sum(1 for r in done if r["outcome"] == o) for o in OUTCOMES}
    for outcome in ("authorized", "review", "declined"):
        if counts[outcome]:
            label = "declined" if outcome == "declined" else "approved"
            AUTHORIZATIONS.labels(label).inc(counts[outcome])
    return JSONResponse(
        {"object": "batch", "count": len(done), **counts, "data": done}, status_code=200
    )


OUTCOMES = ("authorized", "review", "declined", "error")


def _shaped(key: str, result: dict[str, Any]) -> dict[str, Any]:
    """A service result in the API's shape, with the status a single call would have had."""
    outcome = result["outcome"]
    if outcome == "error":
        error = result["error"]
        status = ERROR_STATUSES.get(str(error.get("code")), 400)
        return _error(key, result["line"], status, error)
    if outcome == "declined":
        shaped = to_api(refusal(result["hold"]))
        return {
            "idempotency_key": key,
            "line": result["line"],
            "outcome": outcome,
            "status": 402,
            **shaped,
        }
    return {
        "idempotency_key": key,
        "line": result["line"],
        "outcome": outcome,
        "status": 200,
        "authorization": to_api(result["hold"]),
    }


def _error(key: str, line: str | None, status: int, error: Any) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "line": line,
        "outcome": "error",
        "status": status,
        "error": {"param": None, **error},
    }
