"""Operator pages about risk work: cases (``/ops/cases``, one case with its history and the
forms to assign and close it), rings with their graph (``/ops/rings``), and long jobs started
from a page (``POST /ops/jobs``: a backtest of the live rules or a ring run, in a thread of
this process; ``/ops/jobs/{id}`` shows its progress, polled by htmx every second)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

import creditline
from creditline import CreditlineError, InvalidInput, NotFound
from creditline.entrypoints import bootstrap
from creditline.entrypoints.pages.graph import KINDS, ring_drawing
from creditline.entrypoints.pages.jobs import KINDS as JOB_KINDS
from creditline.entrypoints.pages.jobs import Report, registry
from creditline.entrypoints.pages.render import lang_of, page, text
from creditline.entrypoints.pages.routes_ops_gate import (
    back,
    checked_form,
    flash,
    new_form_key,
    not_found,
    operator,
    perform,
    refusal_text,
    take_flash,
)

router = APIRouter(include_in_schema=False)
#: The rows of each analytics job a job's page shows (its count covers them all).
SHOWN_ROWS = 10
Field = Annotated[str, Form(max_length=1024)]
Note = Annotated[str, Form(max_length=2000)]
CaseId = Annotated[str, Path(max_length=64)]
RINGS_SHOWN = 50


@router.get("/ops/cases", response_model=None)
def cases_page(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    cases = creditline.list_cases(request.app.state.api.db).body["data"]
    cases = sorted(cases, key=lambda c: (c["status"] != "open", c["opened_at"]), reverse=False)
    return page(request, "ops_cases.html", {"cases": cases})


@router.get("/ops/cases/{case_id}", response_model=None)
def case_page(request: Request, case_id: CaseId) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    try:
        case = creditline.show_case(request.app.state.api.db, case_id).body
    except NotFound:
        return not_found(request)
    context = {
        "case": case,
        "flash": take_flash(request),
        "may_write": who.may("case.write"),
        "form_key": new_form_key(),
    }
    return page(request, "ops_case.html", context)


@router.post("/ops/cases/{case_id}/{step}", response_model=None)
def case_step(
    request: Request,
    case_id: CaseId,
    step: Annotated[str, Path(pattern="^(assign|close)$")],
    csrf: Field = "",
    to: Field = "",
    note: Note = "",
    form_key: Field = "",
) -> Response:
    who = operator(request, "case.write")
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    here = f"/ops/cases/{case_id}"
    try:
        if step == "close":
            if not note.strip():
                raise InvalidInput("note", text(request, "ops_note_required"))
            answer = perform(
                request,
                who,
                "case.write",
                lambda db, key: creditline.close_case(db, case_id, note=note, by=who.name, key=key),
                target=case_id,
                note=note,
                form_key=form_key,
            )
        else:
            answer = perform(
                request,
                who,
                "case.write",
                lambda db, key: creditline.assign_case(
                    db, case_id, to=to, by=who.name, note=note or None, key=key
                ),
                target=case_id,
                note=note,
                form_key=form_key,
            )
    except NotFound:
        return not_found(request)
    except CreditlineError as exc:
        flash(request, exc.message, error=True)
        return back(here)
    said = refusal_text(answer, lang_of(request))
    done = text(request, "ops_closed_msg" if step == "close" else "ops_assigned_msg")
    flash(request, said or f"{done}: {case_id}", error=said is not None)
    return back(here)


@router.get("/ops/rings", response_model=None)
def rings_page(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    rings = creditline.list_rings(request.app.state.api.db, limit=RINGS_SHOWN).body["data"]
    drawn = [{"ring": r, "drawing": ring_drawing(r)} for r in rings]
    context = {
        "rings": drawn,
        "kinds": KINDS,
        "may_run": who.may("risk.analyse"),
        "flash": take_flash(request),
    }
    return page(request, "ops_rings.html", context)


@router.get("/ops/model", response_model=None)
def model_page(request: Request) -> Response:
    """The live learned cash-out model's card (机器学习风控模型): what it reads, what it was
    trained on (training seeds only), its strongest features, its versions."""
    who = operator(request)
    if isinstance(who, Response):
        return who
    try:
        card: dict[str, Any] | None = creditline.show_model(request.app.state.api.db).body
    except CreditlineError:
        card = None
    return page(request, "ops_model.html", {"m": card, "flash": take_flash(request)})


@router.get("/ops/scorecard", response_model=None)
def scorecard_page(
    request: Request, kind: Annotated[str, Query(max_length=16)] = "consumer"
) -> Response:
    """The latest credit scorecard's points table (评分卡) of ``kind`` (consumer, merchant),
    from the folder the server was given (``$CREDITLINE_SCORECARDS``, else ``scorecards/``),
    else the card shipped in the package."""
    who = operator(request)
    if isinstance(who, Response):
        return who
    from creditline.entrypoints.bootstrap import scorecard_store

    kind = kind if kind in {"consumer", "merchant"} else "consumer"
    try:
        card: dict[str, Any] | None = creditline.show_scorecard(
            scorecard_store(None), None, kind
        ).body
    except NotFound:
        card = None
    context = {"card": card, "kind": kind, "flash": take_flash(request)}
    return page(request, "ops_scorecard.html", context)


# -- long jobs -----------------------------------------------------------------------------------
@router.get("/ops/jobs", response_model=None)
def jobs_page(request: Request) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    context = {
        "jobs": registry(request.app).recent(),
        "may_run": who.may("risk.analyse"),
        "flash": take_flash(request),
    }
    return page(request, "ops_jobs.html", context)


@router.post("/ops/jobs", response_model=None)
def start_job(request: Request, csrf: Field = "", kind: Field = "") -> Response:
    who = operator(request, "risk.analyse")  # as the API's backtests and ring runs
    if isinstance(who, Response):
        return who
    refused = checked_form(request, csrf)
    if refused is not None:
        return refused
    if kind not in JOB_KINDS:
        flash(request, f"kind: {' | '.join(JOB_KINDS)}", error=True)
        return back("/ops/jobs")
    db = request.app.state.api.db

    def work(report: Report) -> dict[str, Any]:
        if kind.startswith("analytics"):
            engine = "spark" if kind == "analytics_spark" else "duckdb"
            answer = perform(
                request,
                who,
                "risk.analyse",
                lambda d, _key: bootstrap.analytics_run(
                    d, engine=engine, listed=SHOWN_ROWS, progress=lambda s, i, n: report(i, n, s)
                ),
                target="analytics",
            )
        elif kind == "rings":
            answer = perform(
                request,
                who,
                "risk.analyse",
                lambda d, _key: creditline.rings(d, progress=lambda s, i, n: report(i, n, s)),
                target="all",
            )
        else:
            text = str(creditline.show_rules(db).body["document"])
            answer = perform(
                request,
                who,
                "risk.analyse",
                lambda d, _key: creditline.backtest(
                    d, text, progress=lambda n, total: report(n, total, "decisions")
                ),
                target="backtest",
            )
        return answer.body

    try:
        job = registry(request.app).start(kind, who.name, work)
    except CreditlineError as exc:
        flash(request, exc.message, error=True)
        return back("/ops/jobs")
    return back(f"/ops/jobs/{job.id}")


@router.get("/ops/jobs/{job_id}", response_model=None)
def job_page(request: Request, job_id: Annotated[str, Path(max_length=64)]) -> Response:
    who = operator(request)
    if isinstance(who, Response):
        return who
    job = registry(request.app).get(job_id)
    if job is None:
        return not_found(request)
    partial = request.headers.get("hx-request") == "true"
    template = "ops_job_status.html" if partial else "ops_job.html"
    return page(request, template, {"job": job})
