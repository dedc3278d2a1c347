"""Use cases of the work on cases (工单): assign, close, show; each step kept in its history.

``by`` is the operator the entrypoint authenticated (``--as`` on the CLI, the key's operator on
the API), whose role ``service.access`` checked (R28); the assignee is named as given.
"""

from __future__ import annotations

from datetime import datetime

from creditline.domain.cases import CaseAction, CaseStatus
from creditline.domain.errors import InvalidInput
from creditline.domain.text import printable_text
from creditline.service.idempotency import Answer, once
from creditline.service.uow import Database, UnitOfWork

MAX_OPERATOR = 64
MAX_NOTE = 500


def _operator(name: str, field: str) -> str:
    return printable_text(name, field, max_length=MAX_OPERATOR, strip=True)


def _note(note: str | None, *, required: bool) -> str:
    text = printable_text(note or "", "note", max_length=MAX_NOTE, required=False, strip=True)
    if required and not text:
        raise InvalidInput("note", "note is required: say how the case ended")
    return text


def _step(
    uow: UnitOfWork,
    case_id: str,
    action: CaseAction,
    *,
    by: str,
    now: datetime,
    assignee: str | None = None,
    note: str = "",
) -> Answer:
    """One step on a case, under its lock: checked, appended to its history, announced."""
    case = uow.cases.lock_case(case_id)
    entry = case.next_entry(action, by=by, at=now, assignee=assignee, note=note)
    uow.cases.append_history(case_id, entry)
    if action is CaseAction.CLOSED:
        uow.cases.set_case_status(case_id, CaseStatus.CLOSED)
    after = uow.cases.read_case(case_id)
    uow.events.emit(
        f"case.{action.value}",
        {"case": case_id, "kind": case.kind, **entry.to_json()},
        now,
        party_id=case.party_id,
    )
    return Answer(after.to_json())


def assign_case(
    db: Database,
    case_id: str,
    *,
    to: str,
    by: str,
    note: str | None = None,
    key: str | None = None,
) -> Answer:
    """Give an open case to an operator (again, to hand it over); a closed case is refused."""
    assignee, who, text = _operator(to, "to"), _operator(by, "by"), _note(note, required=False)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        return _step(
            uow, case_id, CaseAction.ASSIGNED, by=who, now=now, assignee=assignee, note=text
        )

    params = {"case": case_id, "to": assignee, "by": who, "note": text}
    return once(
        db, key=key, command="case.assign", params=params, effect=effect, scope=f"case:{case_id}"
    )


def close_case(db: Database, case_id: str, *, note: str, by: str, key: str | None = None) -> Answer:
    """Close an open case, saying how it ended; closing a closed case is refused."""
    who, text = _operator(by, "by"), _note(note, required=True)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        return _step(uow, case_id, CaseAction.CLOSED, by=who, now=now, note=text)

    params = {"case": case_id, "by": who, "note": text}
    return once(
        db, key=key, command="case.close", params=params, effect=effect, scope=f"case:{case_id}"
    )


def show_case(db: Database, case_id: str) -> Answer:
    """A case with every step of its history: who did what, when, and why."""
    with db.transaction(write=False) as uow:
        return Answer(uow.cases.read_case(case_id).to_json())
