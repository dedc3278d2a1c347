"""The holder's pages: 额度管理 (``/lines/{id}``: balances with used, freezes and what lifts
them, open alerts, holds and occupancy by order with the days left before the occupancy limit,
and a chart of the last 90 days) and 额度为什么用不了 (``/lines/{id}/why?amount=&purpose=``:
every reason of the diagnosis with its facts, what to do and when it clears). A holder sees
only its own lines; another's is the same 404 page as a line that does not exist. Operators
see every line."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

import creditline
from creditline import CreditlineError, InvalidInput, NotFound, Principal
from creditline.entrypoints.pages.charts import history_chart
from creditline.entrypoints.pages.render import PURPOSES, lang_of, money, page, texts
from creditline.entrypoints.pages.routes_holder_appeals import section as appeals_section
from creditline.entrypoints.pages.routes_ops_gate import new_form_key, take_flash
from creditline.entrypoints.pages.routes_ops_incidents import temporary_section
from creditline.entrypoints.pages.routes_ops_reviews import reviews_section
from creditline.entrypoints.pages.routes_signin import to_signin
from creditline.entrypoints.pages.session import visitor

router = APIRouter(include_in_schema=False)
LineId = Annotated[str, Path(max_length=64)]
#: The days the quota page's chart covers.
HISTORY_DAYS = 90
#: The open orders the quota page lists at a time (the oldest first; a cursor for the rest).
ORDERS_SHOWN = 20


def _not_found(request: Request) -> Response:
    return page(request, "error.html", {"what": "not_found"}, status=404)


#: The name the installment pages use.
not_found = _not_found


def plans_section(db: creditline.Database, line: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The line's installment plans (分期计划) for the quota page, each with its next due
    date; None for a line that is not an installment line."""
    if line.get("product") != "installment":
        return None
    return list(creditline.list_installments(db, str(line["id"])).body["plans"])


def _may_see(
    request: Request, who: Principal, line_id: str, db: creditline.Database | None
) -> bool:
    """An operator reads any line; a holder only its own (the API's rule, ``Caller.own``)."""
    if who.party_id is None:
        return who.may("read")
    return bool(request.app.state.api.owner(line_id, db) == who.party_id)


def tick(amount: Decimal) -> str:
    """A chart's amount tick: ``¥12,500`` (whole yuan)."""
    return money(amount.quantize(Decimal(1))).removesuffix(".00")


@router.get("/lines/{line_id}", response_model=None)
def line_page(
    request: Request,
    line_id: LineId,
    orders_after: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    # Every section from one read-only transaction: one snapshot (the balances, the orders and
    # the chart agree with each other) and one BEGIN instead of eleven; the visitor's check
    # first, in the same read.
    with creditline.one_read(request.app.state.api.db) as db:
        who = _visitor_of(request, line_id, db)
        if isinstance(who, Response):
            return who
        # What the sections read of the line everywhere, together (PostgreSQL: one round
        # trip instead of five); after the check, so a stranger's visit reads nothing of it.
        creditline.read_line_ahead(db, line_id)
        try:
            line = creditline.show_line(db, line_id).body
        except NotFound:
            return _not_found(request)
        history = creditline.quota_history(db, line_id, days=HISTORY_DAYS).body
        context = {
            "line": line,
            "freezes": creditline.list_freezes(db, line_id).body["freezes"],
            "exposure": _exposure(db, line_id, orders_after),
            "orders_after": orders_after,
            "history": history,
            "limits": creditline.limit_changes(db, line_id, limit=10).body,
            "temporary": temporary_section(db, line_id),  # 临时额度, 系统故障
            "limit_requests": creditline.list_requests(db, line_id=line_id, limit=5).body[
                "requests"
            ],
            "appeals": appeals_section(request, line_id, db=db, who=who),  # 申诉
            "reviews": reviews_section(db, line_id),  # 额度复审
            "installments": plans_section(db, line),  # 分期计划
        }
    t = texts(request)  # a copy of the language's texts: made once here, for both
    context["chart"] = history_chart(history, t, tick, lang=lang_of(request))
    context["history_rows"] = history_rows(history, t)
    context["flash"] = take_flash(request)
    context["form_key"] = new_form_key()
    return page(request, "line.html", context)


def history_rows(history: dict[str, Any], t: dict[str, str]) -> Markup:
    """The rows of the history table under the chart, newest first. Made here rather than in
    the template: 90 days are 450 escaped cells, and quiet days repeat the day before's
    amounts, whose cells are made once (the template's loop was a fifth of the page)."""
    currency = history["currency"]
    cells: dict[tuple[Any, ...], str] = {}
    rows = []
    for d in reversed(history["days"]):
        key = tuple(d.get(k) for k in ("limit", "used", "available", "line_frozen", "frozen"))
        key += (bool(d["freezes"]),)
        tail = cells.get(key)
        if tail is None:
            frozen = ""
            if d["line_frozen"]:
                frozen = escape(t["q_line_frozen"])
            elif d["freezes"]:
                frozen = escape(money(d["frozen"], currency))
            amounts = "".join(
                f'<td class="num">{escape(money(d[k], currency))}</td>'
                for k in ("limit", "used", "available")
            )
            tail = cells[key] = f"{amounts}<td>{frozen}</td>"
        frozen_day = ' class="frozen-day"' if d["freezes"] else ""
        rows.append(f'<tr{frozen_day}><th scope="row">{escape(d["date"])}</th>{tail}</tr>')
    return Markup("\n".join(rows))  # noqa: S704 (every value in it went through escape above)


def _exposure(db: creditline.Database, line_id: str, after: str) -> dict[str, Any]:
    """A page of the line's open orders, the oldest first: after ``after``, or the first
    page when it names no open order of the line (repaid since, or mistyped)."""
    try:
        return creditline.line_exposure(db, line_id, after=after or None, limit=ORDERS_SHOWN).body
    except (NotFound, InvalidInput):  # the cursor's; a storage error is the page's to answer
        return creditline.line_exposure(db, line_id, limit=ORDERS_SHOWN).body


def visible_line(request: Request, line_id: str) -> dict[str, Any] | Response:
    """The line the visitor may see, or the page to answer instead (sign in, or not found:
    another holder's line is exactly as missing as no line)."""
    who = _visitor_of(request, line_id)
    if isinstance(who, Response):
        return who
    try:
        return creditline.show_line(request.app.state.api.db, line_id).body
    except NotFound:
        return _not_found(request)


#: The name other modules may already use for it.
_visible_line = visible_line


def _visitor_of(
    request: Request, line_id: str, db: creditline.Database | None = None
) -> Principal | Response:
    """Who may see the line (checked before any of its reads; ``db``: the page's own read, for
    the visitor's lookup), or the page to answer instead: sign in, or not found."""
    who = visitor(request, db)
    if who is None:
        return to_signin(request)
    if not _may_see(request, who, line_id, db):
        return _not_found(request)
    return who


@router.get("/lines/{line_id}/why", response_model=None)
def why_page(
    request: Request,
    line_id: LineId,
    amount: Annotated[str, Query(max_length=32)] = "",
    purpose: Annotated[str, Query(max_length=32)] = "procurement",
) -> Response:
    line = visible_line(request, line_id)
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
