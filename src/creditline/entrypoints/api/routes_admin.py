"""Running the platform: policy (平台政策), the working-day calendar (工作日), the sandbox clock,
the event outbox (事件), cases (工单), operators and API keys, the audit log (审计日志), the due
jobs and the ledger's verification.

Access: policy, the calendar and the clock are terms every holder lives by, so any key reads
them. The event outbox is every holder's activity: operators only (a holder's key is a 403,
not a filtered list, since a filter over the outbox cannot page by its cursor without reading
past other holders' events). Cases, operators and the ledger's verification are operators'
reads; keys and operators are ``keys.write`` (admin), the audit log ``audit.read``. An API key
is shown once: a replay of its creation (same ``Idempotency-Key``) answers with the same key
object and ``"key": null``, since the secret is kept nowhere, not even for replays."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

import creditline
from creditline import Answer, InvalidInput
from creditline.entrypoints import bootstrap
from creditline.entrypoints.api.bodies import (
    ApiKeyIn,
    AssignIn,
    CalendarIn,
    ClockIn,
    CloseIn,
    Limit,
    OperatorIn,
    PolicyIn,
    StartingAfter,
    operators_only,
)
from creditline.entrypoints.api.calls import Caller, page
from creditline.entrypoints.api.models import ERRORS, REFUSABLE

router = APIRouter(prefix="/v1", tags=["administration"])
CaseId = Annotated[str, Path(max_length=64, examples=["case_5f2a9c1e0b7d4a33"])]
KeyId = Annotated[str, Path(max_length=64, examples=["key_5f2a9c1e0b7d4a33"])]
Call = Annotated[Caller, Depends(Caller)]
LineFilter = Annotated[
    str | None,
    Query(max_length=64, description="only what concerns this line", examples=["line_0a1b"]),
]
MAX_CURSOR = 10**18


def cursor(text: str | None, prefix: str) -> int:
    """``starting_after`` of a list the store pages by sequence: ``evt_12``, ``aud_12`` or
    ``12``; 0 for the start."""
    if text is None:
        return 0
    digits = text.removeprefix(prefix)
    if not (digits.isascii() and digits.isdigit()) or int(digits) > MAX_CURSOR:
        raise InvalidInput("starting_after", f"starting_after must be an id like {prefix}12")
    return int(digits)


def listed(answer: Answer, url: str) -> Answer:
    """A use case's ``{"data", "has_more"}`` as a Stripe list."""
    body = answer.body
    return Answer(
        {"object": "list", "url": url, "data": body["data"], "has_more": body["has_more"]}
    )


# -- policy, calendar, clock ---------------------------------------------------------------------
@router.get("/policy", responses=ERRORS, summary="The policy (平台政策) in force now, or at a time")
def show_policy(
    call: Call,
    at: Annotated[str | None, Query(max_length=40, examples=["2024-05-01T10:00:00+08:00"])] = None,
) -> JSONResponse:
    return call.read(lambda db: creditline.show_policy(db, at))


@router.post(
    "/policy",
    responses=ERRORS,
    summary="Record a policy change from a time (now or later; never in the past)",
)
def set_policy(body: PolicyIn, call: Call) -> JSONResponse:
    return call.write(
        "policy.write",
        lambda db, key: creditline.set_policy(
            db, body.key, body.value, effective=body.effective, note=body.note, idempotency_key=key
        ),
        target=body.key,
        note=body.note,
        native_key=True,
    )


@router.get(
    "/calendar/next_working_day",
    responses=ERRORS,
    summary="The N-th working day after a day (Chinese calendar, 调休 included)",
)
def next_working_day(
    call: Call,
    day: Annotated[str, Query(max_length=10, examples=["2024-09-30"])],
    days: Annotated[int, Query(ge=1, le=366, examples=[1])] = 1,
) -> JSONResponse:
    return call.read(lambda db: creditline.next_working_day(db, day, days))


def notice_days(body: CalendarIn) -> dict[date, tuple[bool, str]]:
    """The notice's days, checked by the same reader as ``creditline calendar load``."""
    text = json.dumps(body.model_dump(by_alias=True, exclude={"source"}), ensure_ascii=False)
    with tempfile.TemporaryDirectory(prefix="creditline-notice-") as folder:
        path = FilePath(folder) / "notice.json"
        path.write_text(text, encoding="utf-8")
        return bootstrap.read_holiday_notice(str(path))


@router.post(
    "/calendar",
    responses=ERRORS,
    summary="Load an official holiday notice (放假安排); it wins over the built-in calendar",
)
def load_calendar(body: CalendarIn, call: Call) -> JSONResponse:
    call.principal.require("policy.write")
    days = notice_days(body)
    return call.write(
        "policy.write",
        lambda db, _key: creditline.load_calendar(db, days, body.source),
        target=body.source,
        body=body.model_dump(by_alias=True),
    )


@router.get("/clock", responses=ERRORS, summary="The database's clock (sandbox or live)")
def show_clock(call: Call) -> JSONResponse:
    return call.read(creditline.show_clock)


@router.post(
    "/clock",
    responses=REFUSABLE,
    summary="Set the sandbox clock (`at`) or move it forward (`advance`: 3d, 12h, 1d12h)",
)
def move_clock(body: ClockIn, call: Call) -> JSONResponse:
    at, advance = body.at, body.advance
    return call.write(
        "jobs.run",
        lambda db, _key: (
            creditline.set_clock(db, at)
            if at is not None
            else creditline.advance_clock(db, advance or "")
        ),
        target=f"clock: {at or '+' + (advance or '')}",
        body=body.model_dump(),
    )


# -- events --------------------------------------------------------------------------------------
@router.get("/events", responses=ERRORS, summary="Events (事件) in order, from the outbox")
def list_events(
    call: Call,
    limit: Limit = 10,
    starting_after: Annotated[
        str | None, Query(max_length=40, description="an event id", examples=["evt_12"])
    ] = None,
    event_type: Annotated[
        str | None, Query(alias="type", max_length=64, examples=["order.confirmed"])
    ] = None,
    line: LineFilter = None,
) -> JSONResponse:
    operators_only(call.principal, "the event outbox")
    after = cursor(starting_after, "evt_")
    if line is not None:  # one line's events (the operator desk's line page)
        if event_type is not None:
            raise InvalidInput("type", "type and line cannot be combined")
        return call.read(
            lambda db: listed(
                creditline.line_events(db, line, after=after, limit=limit), "/v1/events"
            )
        )
    return call.read(
        lambda db: listed(
            creditline.list_events(db, event_type=event_type, after=after, limit=limit),
            "/v1/events",
        )
    )


@router.get(
    "/dashboard",
    responses=ERRORS,
    summary="The operator desk: today's authorisations by outcome, review backlog, red alerts, "
    "failing payouts",
)
def dashboard(call: Call) -> JSONResponse:
    operators_only(call.principal, "the dashboard")
    return call.read(creditline.dashboard)


# -- cases ---------------------------------------------------------------------------------------
@router.get("/cases", responses=ERRORS, summary="Cases opened for operators (工单)")
def list_cases(call: Call, limit: Limit = 10, starting_after: StartingAfter = None) -> JSONResponse:
    operators_only(call.principal, "cases")

    def run(db: creditline.Database) -> Answer:
        items = creditline.list_cases(db).body["data"]
        return Answer(page(items, limit=limit, starting_after=starting_after, url="/v1/cases"))

    return call.read(run)


@router.get("/cases/{case_id}", responses=ERRORS, summary="A case with its history")
def get_case(case_id: CaseId, call: Call) -> JSONResponse:
    operators_only(call.principal, "cases")
    return call.read(lambda db: creditline.show_case(db, case_id))


@router.post(
    "/cases/{case_id}/assign",
    responses=ERRORS,
    summary="Give an open case to an operator (again, to hand it over)",
)
def assign_case(case_id: CaseId, body: AssignIn, call: Call) -> JSONResponse:
    by = call.principal.name
    return call.write(
        "case.write",
        lambda db, key: creditline.assign_case(
            db, case_id, to=body.to, by=by, note=body.note, key=key
        ),
        target=case_id,
        note=body.note,
        native_key=True,
    )


@router.post(
    "/cases/{case_id}/close", responses=ERRORS, summary="Close an open case, saying how it ended"
)
def close_case(case_id: CaseId, body: CloseIn, call: Call) -> JSONResponse:
    by = call.principal.name
    return call.write(
        "case.write",
        lambda db, key: creditline.close_case(db, case_id, note=body.note, by=by, key=key),
        target=case_id,
        note=body.note,
        native_key=True,
    )


# -- operators, API keys, audit ------------------------------------------------------------------
@router.get("/operators", responses=ERRORS, summary="Every operator (操作员) with its role")
def list_operators(
    call: Call, limit: Limit = 10, starting_after: StartingAfter = None
) -> JSONResponse:
    operators_only(call.principal, "operators")

    def run(db: creditline.Database) -> Answer:
        items = creditline.list_operators(db).body["data"]
        return Answer(page(items, limit=limit, starting_after=starting_after, url="/v1/operators"))

    return call.read(run)


@router.post("/operators", responses=ERRORS, summary="Add an operator with one role")
def add_operator(body: OperatorIn, call: Call) -> JSONResponse:
    by = call.principal
    return call.write(
        "keys.write",
        lambda db, _key: creditline.add_operator(db, body.name, role=body.role, by=by),
        target=body.name,
        body=body.model_dump(),
    )


@router.get("/api_keys", responses=ERRORS, summary="Every API key: owner and a hint, never the key")
def list_keys(call: Call, limit: Limit = 10, starting_after: StartingAfter = None) -> JSONResponse:
    def run(db: creditline.Database) -> Answer:
        items = creditline.list_keys(db).body["data"]
        return Answer(page(items, limit=limit, starting_after=starting_after, url="/v1/api_keys"))

    return call.read(run, action="keys.write")


@router.post(
    "/api_keys",
    responses=ERRORS,
    summary="A new API key for a party or an operator; the answer shows the `key` once",
)
def create_key(body: ApiKeyIn, call: Call) -> JSONResponse:
    owner = f"party:{body.party}" if body.party is not None else f"operator:{body.operator}"
    return call.write(
        "keys.write",
        lambda db, _key: creditline.create_key(db, party=body.party, operator=body.operator),
        target=owner,
        body=body.model_dump(),  # a replay gets the key object with "key": null (calls.redacted)
    )


@router.post(
    "/api_keys/{key_id}/revoke",
    responses=ERRORS,
    summary="Revoke an API key: from now on it authenticates nobody",
)
def revoke_key(key_id: KeyId, call: Call) -> JSONResponse:
    response = call.write(
        "keys.write",
        lambda db, _key: creditline.revoke_key(db, key_id),
        target=key_id,
        body={"key": key_id},
    )
    call.api.forget_key(key_id)
    return response


@router.get(
    "/audit",
    responses=ERRORS,
    summary="The audit log (审计日志): operator actions, oldest first (admin or risk)",
)
def list_audit(
    call: Call,
    limit: Limit = 10,
    starting_after: Annotated[
        str | None, Query(max_length=40, description="an audit record's id", examples=["aud_12"])
    ] = None,
    actor: Annotated[
        str | None, Query(max_length=64, description="only this operator's acts", examples=["ops"])
    ] = None,
    line: LineFilter = None,
) -> JSONResponse:
    after = cursor(starting_after, "aud_")
    if line is not None:  # acts on one line, its holds, occupancies, freezes and decisions
        if actor is not None:
            raise InvalidInput("actor", "actor and line cannot be combined")
        return call.read(
            lambda db: listed(
                creditline.line_audit(db, line, after=after, limit=limit), "/v1/audit"
            ),
            action="audit.read",
        )
    return call.read(
        lambda db: listed(
            creditline.list_audit(db, after=after, limit=limit, actor=actor), "/v1/audit"
        ),
        action="audit.read",
    )


# -- jobs and the ledger -------------------------------------------------------------------------
@router.post(
    "/jobs/run_due",
    responses=ERRORS,
    summary="Run the due jobs: expiries, occupancy freezes, late fees, splits, payouts, dunning",
)
def run_due(call: Call) -> JSONResponse:
    return call.write("jobs.run", lambda db, _key: creditline.run_due(db), target="due jobs")


@router.get(
    "/ledger/verify",
    responses=ERRORS,
    summary="Recompute every balance from the ledger and check every hash chain and checkpoint",
)
def verify_ledger(call: Call) -> JSONResponse:
    operators_only(call.principal, "the ledger's verification")
    return call.read(lambda db: Answer(creditline.verify_ledger(db).to_json()))
