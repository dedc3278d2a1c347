"""The holder's quota detail pages beside 额度管理: statements (对账单,
``/lines/{id}/statements?from=&to=`` with CSV and XLSX downloads) and the daily quota monitor
(额度监控表, ``/lines/{id}/monitor?days=`` and its XLSX download). The figures come from the
use cases (``statement``, ``quota_monitor``); these routes parse, render and format only.
Access is the quota page's: a holder sees its own lines, another's is a 404 page."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

import creditline
from creditline import InvalidInput
from creditline.entrypoints import bootstrap
from creditline.entrypoints.pages.charts import monitor_chart
from creditline.entrypoints.pages.render import page, texts
from creditline.entrypoints.pages.routes_holder import tick, visible_line

router = APIRouter(include_in_schema=False)
LineId = Annotated[str, Path(max_length=64)]
DayText = Annotated[str, Query(max_length=32)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bad(request: Request, template: str, context: dict[str, Any], exc: InvalidInput) -> Response:
    """The page again, at 400, with the field named next to its message."""
    return page(
        request, template, {**context, "error": exc.message, "field": exc.param}, status=400
    )


# -- 对账单 --------------------------------------------------------------------------------------
def _period(db: Any, start: str, end: str) -> tuple[str, str]:
    """The asked period, or by default the current Beijing month up to today (platform clock)."""
    if start and end:
        return start, end
    today = date.fromisoformat(str(creditline.show_clock(db).body["now"])[:10])
    return start or today.replace(day=1).isoformat(), end or today.isoformat()


def _statement(
    request: Request, line_id: str, start: str, end: str
) -> tuple[dict[str, Any], dict[str, Any] | None, InvalidInput | None] | Response:
    line = visible_line(request, line_id)
    if isinstance(line, Response):
        return line
    db = request.app.state.api.db
    start, end = _period(db, start, end)
    context: dict[str, Any] = {"line": line, "start": start, "end": end, "statement": None}
    try:
        body = creditline.statement(db, line_id, start=start, end=end).body
    except InvalidInput as exc:
        return context, None, exc
    return context, body, None


@router.get("/lines/{line_id}/statements", response_model=None)
def statements_page(
    request: Request,
    line_id: LineId,
    start: Annotated[str, Query(alias="from", max_length=32)] = "",
    end: Annotated[str, Query(alias="to", max_length=32)] = "",
) -> Response:
    found = _statement(request, line_id, start, end)
    if isinstance(found, Response):
        return found
    context, body, error = found
    if error is not None:
        return _bad(request, "quota_statements.html", context, error)
    return page(request, "quota_statements.html", {**context, "statement": body})


def _download(request: Request, line_id: str, start: str, end: str, kind: str) -> Response:
    found = _statement(request, line_id, start, end)
    if isinstance(found, Response):
        return found
    context, body, error = found
    if error is not None or body is None:
        assert error is not None
        return _bad(request, "quota_statements.html", context, error)
    name = f"statement-{line_id}-{body['from']}-{body['to']}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if kind == "csv":  # with a BOM, so that Excel reads it as UTF-8
        data = ("\ufeff" + bootstrap.statement_csv(body["rows"])).encode("utf-8")
        return Response(data, media_type="text/csv; charset=utf-8", headers=headers)
    return Response(bootstrap.statement_xlsx_bytes(body), media_type=XLSX, headers=headers)


@router.get("/lines/{line_id}/statements.csv", response_model=None)
def statements_csv(
    request: Request,
    line_id: LineId,
    start: Annotated[str, Query(alias="from", max_length=32)] = "",
    end: Annotated[str, Query(alias="to", max_length=32)] = "",
) -> Response:
    return _download(request, line_id, start, end, "csv")


@router.get("/lines/{line_id}/statements.xlsx", response_model=None)
def statements_xlsx(
    request: Request,
    line_id: LineId,
    start: Annotated[str, Query(alias="from", max_length=32)] = "",
    end: Annotated[str, Query(alias="to", max_length=32)] = "",
) -> Response:
    return _download(request, line_id, start, end, "xlsx")


# -- 额度监控表 ------------------------------------------------------------------------------------
def _monitor(
    request: Request, line_id: str, days: str
) -> tuple[dict[str, Any], dict[str, Any] | None, InvalidInput | None] | Response:
    line = visible_line(request, line_id)
    if isinstance(line, Response):
        return line
    context: dict[str, Any] = {"line": line, "days": days, "monitor": None}
    # A word where a number goes is asked as 0 days: the use case refuses it, naming "days".
    count = int(days) if days.strip().isascii() and days.strip().isdigit() else 0
    try:
        body = creditline.quota_monitor(request.app.state.api.db, line_id, days=count).body
    except InvalidInput as exc:
        return context, None, exc
    return context, body, None


@router.get("/lines/{line_id}/monitor", response_model=None)
def monitor_page(
    request: Request, line_id: LineId, days: Annotated[str, Query(max_length=8)] = "30"
) -> Response:
    found = _monitor(request, line_id, days)
    if isinstance(found, Response):
        return found
    context, body, error = found
    if error is not None or body is None:
        assert error is not None
        return _bad(request, "quota_monitor.html", context, error)
    chart = monitor_chart(body, texts(request), tick)
    return page(request, "quota_monitor.html", {**context, "monitor": body, "chart": chart})


@router.get("/lines/{line_id}/monitor.xlsx", response_model=None)
def monitor_xlsx(
    request: Request, line_id: LineId, days: Annotated[str, Query(max_length=8)] = "30"
) -> Response:
    found = _monitor(request, line_id, days)
    if isinstance(found, Response):
        return found
    context, body, error = found
    if error is not None or body is None:
        assert error is not None
        return _bad(request, "quota_monitor.html", context, error)
    name = f"monitor-{line_id}-{body['days'][-1]['date']}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(bootstrap.monitor_xlsx(body), media_type=XLSX, headers=headers)
