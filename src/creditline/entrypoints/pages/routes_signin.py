"""Sign-in and sign-out: ``GET /signin`` (the form), ``POST /signin`` with ``key`` (a holder's API
key) or ``name`` and ``password`` (an operator), ``POST /signout``, and the home page. Every
form carries the session's CSRF token; failed sign-ins are limited (``session.SignInLimit``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

import creditline
from creditline import CreditlineError, Principal
from creditline.entrypoints.pages.render import page
from creditline.entrypoints.pages.session import (
    csrf_ok,
    sign_in,
    sign_out,
    visitor,
)

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=1024)]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no ``//host`` nor scheme)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def to_signin(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str | None = None) -> HTMLResponse:  # noqa: A002
    return page(request, "signin.html", {"next": safe_next(next), "error": None})


@router.post("/signin", response_model=None)
def signin(
    request: Request,
    csrf: Field = "",
    key: Field = "",
    name: Field = "",
    password: Field = "",
    next: Field = "/",  # noqa: A002
) -> Response:
    context = {"next": safe_next(next), "error": None}
    if not csrf_ok(request, csrf):
        return page(request, "signin.html", context | {"error": "bad_form"}, status=403)
    client = f"ip:{request.client.host if request.client else '-'}"
    who = f"name:{name.strip().lower()}" if name else ""
    limit = request.app.state.signin_limit
    # The attempt counts before the (slow) check, so parallel guesses cannot all slip under
    # the limit; a sign-in that succeeds takes its count back.
    if not limit.attempt(client, who):
        return page(request, "signin.html", context | {"error": "too_many"}, status=429)
    checked = _check(request, key=key.strip(), name=name.strip(), password=password)
    if checked is None:
        return page(request, "signin.html", context | {"error": "wrong"}, status=401)
    limit.succeeded(client, who)
    sign_in(request, checked[0], password_fingerprint=checked[1])
    return RedirectResponse(safe_next(next), status_code=303)


def _looks_like_party(name: str) -> bool:
    kind, _, rest = name.partition("_")
    return kind in {"mer", "con"} and 0 < len(rest) <= 32 and rest.isalnum()


def _check(
    request: Request, *, key: str, name: str, password: str
) -> tuple[Principal, str | None] | None:
    """The holder behind ``key``; or, with ``name`` and ``password``, the holder whose party id
    is ``name`` (its password set by an operator; then with its hash's fingerprint) or the
    operator ``name``. None if none holds (an operator's key is not for the pages: operators
    sign in with a password)."""
    db = request.app.state.api.db
    hasher = request.app.state.password_hasher
    try:
        if key:
            found = creditline.authenticate(db, key)
            return (found, None) if found.party_id is not None else None
        if not (name and password):
            return None
        if _looks_like_party(name):
            try:
                return creditline.check_holder_password(db, name, password, hasher=hasher)
            except CreditlineError:
                pass  # an operator may be named like a party: try that too
        return creditline.check_password(db, name, password, hasher=hasher), None
    except CreditlineError:
        return None


@router.post("/signout", response_model=None)
def signout(request: Request, csrf: Field = "") -> Response:
    if not csrf_ok(request, csrf):
        return page(request, "signin.html", {"next": "/", "error": "bad_form"}, status=403)
    sign_out(request)
    return RedirectResponse("/signin", status_code=303)


@router.get("/", response_model=None)
def home(request: Request) -> Response:
    if visitor(request) is None:
        return to_signin(request)
    return page(request, "home.html", {})


@router.get("/lines", response_model=None)
def open_line(request: Request, id: str = "") -> Response:  # noqa: A002
    """The home page's form: go to the line's page."""
    if not id.startswith("line_") or not id[5:].isalnum() or len(id) > 64:
        return page(request, "error.html", {"what": "not_found"}, status=404)
    return RedirectResponse(f"/lines/{id}", status_code=303)
