"""What every operator page shares: the gate (sign in; a holder gets the not-found page, as
for anything not theirs; an operator without the action's role a 403 page), a one-line
message carried across the redirect after a form, and ``perform``: an operator's action run
the API's way, through ``creditline.act`` (the role checked again, and the audit record written
in the action's own transaction, as ``calls.Caller.write`` does)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

import creditline
from creditline import ACTIONS, Answer, Database, Principal
from creditline.entrypoints.pages.render import lang_of, page
from creditline.entrypoints.pages.routes_signin import to_signin
from creditline.entrypoints.pages.session import csrf_ok, visitor

FLASH = "ops_flash"
#: The hidden field of each action form: an idempotency key made when the form is drawn, so a
#: form sent twice (a double click, a reload) acts once.
FORM_KEY = "form_key"


def not_found(request: Request) -> Response:
    return page(request, "error.html", {"what": "not_found"}, status=404)


def forbidden(request: Request, action: str) -> Response:
    roles = sorted(r.value for r in ACTIONS[action][0])
    context = {"what": "ops_forbidden", "roles": roles}
    return page(request, "ops_forbidden.html", context, status=403)


def operator(request: Request, action: str = "read") -> Principal | Response:
    """The signed-in operator allowed ``action``, or the page to answer instead."""
    who = visitor(request)
    if who is None:
        return to_signin(request)
    if who.role is None:  # a holder: the desk does not exist for it
        return not_found(request)
    if not who.may(action):
        return forbidden(request, action)
    return who


def flash(request: Request, text: str, *, error: bool = False) -> None:
    request.session[FLASH] = {"text": text[:500], "error": error}


def take_flash(request: Request) -> dict[str, Any] | None:
    found = request.session.pop(FLASH, None)
    return found if isinstance(found, dict) else None


def new_form_key() -> str:
    return f"page_{secrets.token_urlsafe(18)}"


def perform(
    request: Request,
    who: Principal,
    action: str,
    run: Callable[[Database, str], Answer],
    *,
    target: str,
    note: str | None = None,
    form_key: str = "",
) -> Answer:
    """Run an operator's action from a page exactly as the API runs one: ``creditline.act``
    checks the role and writes the audit record in the action's transaction; the use case
    keeps its answer under the form's key, scoped to the operator."""
    key = form_key if form_key.startswith("page_") and len(form_key) <= 64 else new_form_key()
    scoped = creditline.scoped_key(who.label(), key)
    request_id = str(getattr(request.state, "request_id", "")) or creditline.new_request_id()
    return creditline.act(
        request.app.state.api.db,
        who,
        action,
        lambda db: run(db, scoped),
        target=target,
        note=note,
        request_id=request_id,
    )


def act_on_form(
    request: Request,
    who: Principal,
    action: str,
    run: Callable[[Database, str], Answer],
    *,
    target: str,
    note: str | None,
    form_key: str,
    back_to: str,
    done: Callable[[Answer], str],
    missing_page: bool = False,
) -> Response:
    """An action form's whole answer: ``perform`` it; leave what happened as the next page's
    message (an error's or a refusal's text, else ``done(answer)``); send the browser back to
    ``back_to``. With ``missing_page``, an object that is not there is the 404 page rather
    than a message (the form's own object, as opposed to one a field names)."""
    try:
        answer = perform(request, who, action, run, target=target, note=note, form_key=form_key)
    except creditline.CreditlineError as exc:
        if missing_page and isinstance(exc, creditline.NotFound):
            return not_found(request)
        flash(request, exc.message, error=True)
        return back(back_to)
    said = refusal_text(answer, lang_of(request))
    if said is not None:
        flash(request, said, error=True)
    else:
        flash(request, done(answer))
    return back(back_to)


def checked_form(request: Request, csrf: str) -> Response | None:
    """The page for a form whose CSRF token is wrong, or None when it is right."""
    if csrf_ok(request, csrf):
        return None
    return page(request, "error.html", {"what": "ops_bad_form"}, status=403)


def back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def refusal_text(answer: Answer, lang: str) -> str | None:
    """What a refused answer says (its first reason, in ``lang``), or None if not refused."""
    if not answer.refused:
        return None
    body = answer.body
    reasons = body.get("reasons") or []
    if reasons:
        first = reasons[0]
        return str(first.get(f"message_{lang}") or first.get("message") or first.get("code"))
    error = body.get("error") or {}
    return str(error.get("message") or "refused")
