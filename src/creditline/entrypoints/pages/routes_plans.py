"""The holder's installment pages (分期购): the quota page's section of plans, each with its next
due date, and a plan's page with its whole schedule. Another holder's plan is not found."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

import creditline
from creditline import NotFound
from creditline.entrypoints.pages.render import page
from creditline.entrypoints.pages.routes_holder import not_found, visible_line

router = APIRouter(include_in_schema=False)
LineId = Annotated[str, Path(max_length=64)]
PlanId = Annotated[str, Path(max_length=64)]


@router.get("/lines/{line_id}/installments/{plan_id}", response_model=None)
def plan_page(request: Request, line_id: LineId, plan_id: PlanId) -> Response:
    line = visible_line(request, line_id)
    if isinstance(line, Response):
        return line
    try:
        plan = creditline.show_installment(request.app.state.api.db, plan_id).body
    except (NotFound, creditline.InvalidInput):
        return not_found(request)
    if plan["line"] != line_id:
        return not_found(request)
    return page(request, "installment.html", {"line": line, "plan": plan})
