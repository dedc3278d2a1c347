"""Limit review pages (额度复审): the operator desk's ``/ops/reviews`` (the latest run, the
limits it changed with their reasons, and a form to review now, role ``risk``), and the section
of the holder's quota page that lists a line's review outcomes with what restores the limit.
The answers are the use cases' (``show_review``, ``review_limits``, ``line_reviews``), the
CLI's ``limits review`` / ``limits reviews`` and the API's ``/v1/limits/reviews``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

import creditline
from creditline import Answer, Database
from creditline.entrypoints.pages.render import page, text
from creditline.entrypoints.pages.routes_ops_gate import (
    act_on_form,
    checked_form,
    new_form_key,
    operator,
    take_flash,
)

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=1024)]
#: The changed lines the page lists (the counts cover every line).
SHOWN = 200
#: The outcomes the holder's quota page lists.
SECTION = 10


def reviews_section(db: Database, line_id: str) -> list[dict[str, Any]]:
    """The holder's quota page: the line's latest review outcomes (newest first)."""
    return list(creditline.line_reviews(db, line_id, limit=SECTION).body["outcomes"])


@router.get("/ops/reviews", response_model=None)
def reviews_page(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    body = creditline.show_review(request.app.state.api.db, changed_only=True, limit=SHOWN).body
    context = {
        "r": body,
        "may_run": who.may("limits.review"),
        "form_key": new_form_key(),
        "flash": take_flash(request),
    }
    return page(request, "ops_reviews.html", context)


@router.post("/ops/reviews", response_model=None)
def run_review(
    request: Request, csrf: Field = "", party: Field = "", form_key: Field = ""
) -> Response:
    who = operator(request, "limits.review")
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    chosen = party.strip() or None

    def done(answer: Answer) -> str:
        b = answer.body
        return (
            f"{text(request, 'rv_ran')}: {text(request, 'rv_reviewed')} {b['reviewed']} · "
            f"{text(request, 'rv_raised')} {b['raised']} · {text(request, 'rv_lowered')} "
            f"{b['lowered']}"
        )

    return act_on_form(
        request,
        who,
        "limits.review",
        lambda db, _key: creditline.review_limits(db, party=chosen, actor=who.name),
        target=chosen or "all",
        note=None,
        form_key=form_key,
        back_to="/ops/reviews",
        done=done,
    )
