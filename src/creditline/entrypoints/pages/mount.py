"""Mounting the pages on the API's app: the session middleware (a signed cookie under the
database's own secret), the password hasher, the static files (CSS, htmx: no CDN), and the
routes, all left out of ``/openapi.json``."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

import creditline
from creditline import Database
from creditline.entrypoints.pages import (
    routes_assessment,
    routes_care,
    routes_holder,
    routes_holder_appeals,
    routes_increase,
    routes_ops,
    routes_ops_reviews,
    routes_plans,
    routes_quota,
    routes_signin,
)
from creditline.entrypoints.pages.render import HERE
from creditline.entrypoints.pages.session import SESSION_SECONDS, SignInLimit

COOKIE = "creditline_session"
#: ``1`` when the pages are served over HTTPS: the cookie is then also ``Secure``.
ENV_HTTPS = "CREDITLINE_PAGES_HTTPS"


def install(app: FastAPI, db: Database) -> None:
    """Add the pages to ``app``."""
    from creditline.entrypoints.bootstrap import password_hasher

    app.state.password_hasher = password_hasher()
    app.state.signin_limit = SignInLimit()  # in this process: each worker counts its own
    app.add_middleware(
        SessionMiddleware,
        secret_key=creditline.session_secret(db),
        session_cookie=COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=os.environ.get(ENV_HTTPS) == "1",
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="pages-static")
    app.include_router(routes_signin.router)
    _page_errors(app)
    app.include_router(routes_holder.router)
    app.include_router(routes_holder_appeals.router)
    app.include_router(routes_quota.router)
    app.include_router(routes_care.router)
    app.include_router(routes_assessment.router)
    app.include_router(routes_increase.router)
    app.include_router(routes_plans.router)
    app.include_router(routes_ops_reviews.router)
    app.include_router(routes_ops.router)


Handler = Callable[[Request, Exception], Awaitable[Response] | Response]
#: Paths that are the API's or the server's: their errors stay JSON, whoever asks.
API_PREFIXES = ("/v1/", "/openapi.json", "/docs", "/redoc", "/healthz", "/readyz", "/metrics")


def wants_page(request: Request) -> bool:
    """A person's browser asking for a page (not the API, not a script asking for JSON)."""
    if request.url.path.startswith(API_PREFIXES) or request.url.path.startswith("/static/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _page_errors(app: FastAPI) -> None:
    """A browser gets an error page, not the API's JSON, for a path that does not exist
    (404), a parameter out of bounds (400, the field named) or a bug (500); the API's
    handlers answer everyone else exactly as before."""
    from creditline.entrypoints.pages.render import page

    def wrap(kind: type[Exception], what: Callable[[Exception], tuple[str, int, str]]) -> None:
        api: Handler = app.exception_handlers[kind]

        async def handler(request: Request, exc: Exception) -> Response:
            if wants_page(request):
                key, status, detail = what(exc)
                return page(request, "error.html", {"what": key, "detail": detail}, status=status)
            answer = api(request, exc)
            return await answer if isinstance(answer, Awaitable) else answer

        app.add_exception_handler(kind, handler)

    def http(exc: Exception) -> tuple[str, int, str]:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return ("not_found", 404, "") if status == 404 else ("bad_request", status, "")

    def invalid(exc: Exception) -> tuple[str, int, str]:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        fields = [str(e.get("loc", ["", ""])[-1]) for e in errors]
        return "bad_request", 400, ", ".join(dict.fromkeys(f for f in fields if f))

    wrap(HTTPException, http)
    wrap(RequestValidationError, invalid)
    wrap(Exception, lambda _exc: ("server_error", 500, ""))
