"""Mounting the pages on the API's app: the session middleware (a signed cookie under the
database's own secret), the password hasher, the static files (CSS, htmx: no CDN), and the
routes, all left out of ``/openapi.json``."""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

import creditline
from creditline import Database
from creditline.entrypoints.pages import (
    routes_care,
    routes_holder,
    routes_ops,
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
    app.include_router(routes_holder.router)
    app.include_router(routes_quota.router)
    app.include_router(routes_care.router)
    app.include_router(routes_ops.router)
