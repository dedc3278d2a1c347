"""Errors in the API's one shape, ``{"error": {"type", "code", "message", "param"}}`` (Stripe's),
with the CLI's codes and texts: the statuses each error type gets, and the handlers that turn
FastAPI's own failures (bad JSON, unknown fields, unknown routes) into the same shape."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from creditline import (
    Conflict,
    CreditlineError,
    Forbidden,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    NotInitialised,
    Refused,
    StorageError,
    Unauthenticated,
)

LOG = logging.getLogger("creditline.api")

#: HTTP status by error type, most specific first.
STATUSES: tuple[tuple[type[CreditlineError], int], ...] = (
    (NotFound, 404),
    (IdempotencyKeyReused, 409),
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (Refused, 402),
    (Conflict, 409),
    (NotInitialised, 503),
    (StorageError, 503),
    (CreditlineError, 500),
)

#: pydantic's error types → our codes.
VALIDATION_CODES = {
    "extra_forbidden": "parameter_unknown",
    "missing": "parameter_missing",
    "json_invalid": "invalid_json",
    "model_attributes_type": "invalid_json",
    "dict_type": "invalid_json",
}


def status_of(exc: CreditlineError) -> int:
    return next(status for kind, status in STATUSES if isinstance(exc, kind))


def error_body(exc: CreditlineError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"param": None, **exc.to_json()}}
    if isinstance(exc, Refused):
        body["reasons"] = [r.to_json() for r in exc.reasons]
    return body


def error_response(exc: CreditlineError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
    return JSONResponse(error_body(exc), status_code=status_of(exc), headers=headers)


def shaped(status: int, code: str, message: str, param: str | None = None) -> JSONResponse:
    kind = "invalid_request_error" if status < 500 else "api_error"
    return JSONResponse(
        {"error": {"type": kind, "code": code, "message": message, "param": param}},
        status_code=status,
    )


def _param(loc: Sequence[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in {"body", "query", "path", "header"}]
    return ".".join(parts) or None


def validation_response(exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {"type": "invalid", "loc": (), "msg": "invalid"}
    kind = str(first.get("type", ""))
    param = _param(first.get("loc", ()))
    code = VALIDATION_CODES.get(kind, "parameter_invalid")
    if code == "invalid_json":
        return shaped(400, code, "the body is not a JSON object", None)
    message = str(first.get("msg", "invalid"))
    if code == "parameter_unknown":
        message = f"unknown field {param!r}"
    elif param:
        message = f"{param}: {message}"
    return shaped(400, code, message, param)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(CreditlineError)
    async def _creditline(_request: Request, exc: CreditlineError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug, never input: logged with the request id, answered in the one shape.
        request_id = str(getattr(request.state, "request_id", ""))
        LOG.error(
            "unexpected error",
            exc_info=exc,
            extra={"data": {"request_id": request_id, "error": type(exc).__name__}},
        )
        response = shaped(500, "internal_error", "an unexpected error; nothing was committed")
        response.headers["Request-Id"] = request_id
        return response

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        codes = {404: "route_missing", 405: "method_not_allowed", 413: "body_too_large"}
        code = codes.get(exc.status_code, "http_error")
        message = "no such route" if exc.status_code == 404 else str(exc.detail)
        return shaped(exc.status_code, code, message)
