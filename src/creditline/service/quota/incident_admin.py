"""Incidents (系统故障): an operator opens one over the lines a platform fault touched, and closes
it when the fault is fixed, possibly granting each line a temporary quota (临时额度) as
compensation (seed 004, case 3).

Opening freezes every line (a whole-line ``system_fault`` freeze with no automatic end, whose
note carries the incident's estimate, so that ``why`` tells the holder the platform is at fault
and when it expects to clear). Closing lifts those freezes and grants the temporary quotas.
Each is ONE transaction over all the incident's lines, locked in id order: all or nothing, and
idempotent per key (scope ``incidents``): a replay returns the first answer and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.money import Money
from creditline.domain.quota.freezes import Freeze, FreezeReason, FreezeStatus
from creditline.domain.quota.incidents import (
    Incident,
    IncidentLine,
    IncidentStatus,
    check_days,
    check_hours,
    fault_note,
    parse_lines,
    parse_title,
)
from creditline.domain.quota.limits import parse_note
from creditline.domain.quota.lines import LineStatus, require_positive
from creditline.service.idempotency import Answer, check_key, retried, run_once
from creditline.service.ids import new_child_id, new_id
from creditline.service.quota.freeze_admin import freeze_json
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.quota.temporary_quota import check_open, grant_on_line
from creditline.service.uow import Database, UnitOfWork

SCOPE = "incidents"
LIST_LIMIT = 100


def _lock_all(uow: UnitOfWork, line_ids: Sequence[str]) -> dict[str, LockedLine]:
    """Every line under its row lock, taken in id order (two incidents never deadlock)."""
    return {line_id: uow.lines.lock_line(line_id) for line_id in sorted(line_ids)}


@retried
def open_incident(
    db: Database,
    *,
    lines: Sequence[str],
    title: str,
    note: str | None = None,
    estimate_hours: int | None = None,
    actor: str = "",
    key: str | None = None,
) -> Answer:
    """Open an incident over ``lines``: each gets a whole-line ``system_fault`` freeze that
    stands until the incident closes; ``estimate_hours`` is when it is expected to clear."""
    line_ids = parse_lines(lines)
    text_title = parse_title(title)
    text_note = parse_note(note)
    hours = check_hours(estimate_hours)
    checked = check_key(key, required=True)
    params = {"lines": line_ids, "title": text_title, "note": text_note, "estimate_hours": hours}
    with db.transaction() as uow:
        now = uow.reference.now()
        locked = _lock_all(uow, line_ids)  # NotFound("line") before anything is written

        def effect() -> Answer:
            for line_id in line_ids:
                check_open(locked[line_id])
            incident_id = new_id("inc")
            estimate = now + timedelta(hours=hours) if hours is not None else None
            freeze_note = fault_note(incident_id, text_title, estimate)
            links = []
            for line_id in line_ids:
                policy = uow.reference.policy(now, locked[line_id].policy_seq)
                freeze = Freeze(
                    id=new_child_id("frz", line_id),
                    line_id=line_id,
                    reason=FreezeReason.SYSTEM_FAULT,
                    starts_at=now,
                    ends_at=None,
                    note=freeze_note,
                    policy_version=policy.version,
                )
                uow.freezes.insert_freeze(freeze, now)
                body = {**freeze_json(freeze), "incident": incident_id}
                uow.events.emit("freeze.added", body, now, line_id=line_id)
                links.append(IncidentLine(line_id, freeze.id))
            incident = Incident(
                id=incident_id,
                title=text_title,
                note=text_note,
                status=IncidentStatus.OPEN,
                opened_at=now,
                opened_by=actor,
                estimated_clear_at=estimate,
                lines=tuple(links),
            )
            uow.incidents.insert_incident(incident)
            answer = incident.to_json()
            uow.events.emit("incident.opened", answer, now)
            return Answer(answer)

        return run_once(
            uow,
            scope=SCOPE,
            key=checked,
            command="incident.open",
            params=params,
            effect=effect,
            now=now,
        )


def _temporary_input(amount: str | None, days: int | None) -> tuple[str | None, int | None]:
    """A temporary quota needs both its amount and its days, or neither."""
    if amount is None and days is None:
        return None, None
    if amount is None or not amount.strip():
        raise InvalidInput("temporary_amount", "temporary_amount is required with days")
    Money.parse(amount, field="temporary_amount")
    return amount, check_days(days, "temporary_days")


@retried
def close_incident(
    db: Database,
    incident_id: str,
    *,
    note: str | None,
    temporary_amount: str | None = None,
    temporary_days: int | None = None,
    actor: str = "",
    key: str | None = None,
    currency: str | None = None,
) -> Answer:
    """Close an open incident: lift the freezes it put on its lines and, when asked, grant
    each line that is not closed a temporary quota of ``temporary_amount`` for
    ``temporary_days`` days. The amount is in the lines' currency (``currency``, when given,
    must be it); lines in several currencies are granted one by one instead."""
    text = parse_note(note, required=True)
    amount, days = _temporary_input(temporary_amount, temporary_days)
    checked = check_key(key, required=True)
    params = {
        "incident": incident_id,
        "note": text,
        "temporary_amount": amount,
        "temporary_days": days,
    }
    with db.transaction() as uow:
        now = uow.reference.now()
        lines = [x.line_id for x in uow.incidents.get_incident(incident_id).lines]  # NotFound
        locked = _lock_all(uow, lines)
        # Read again under the lines' locks: a close that raced this one is seen as done.
        incident = uow.incidents.get_incident(incident_id)
        grants = {}
        if amount is not None:
            currencies = sorted({line.state.currency for line in locked.values()})
            if len(currencies) > 1 or (currency is not None and currencies != [currency]):
                raise InvalidInput(
                    "currency",
                    f"the incident's lines are in {', '.join(currencies)}: grant a temporary "
                    "quota in that currency, or line by line (quota grant-temporary)",
                )
            for line_id, line in locked.items():
                grants[line_id] = require_positive(
                    Money.parse(amount, line.state.currency, field="temporary_amount"),
                    "temporary_amount",
                )

        def effect() -> Answer:
            if incident.status is not IncidentStatus.OPEN:
                raise Refused("incident_closed", f"incident {incident_id} is closed already")
            lifted, granted = [], []
            for link in incident.lines:
                freeze = uow.freezes.get_freeze(link.line_id, link.freeze_id)
                if freeze.status is FreezeStatus.ACTIVE:
                    uow.freezes.close_freeze(
                        link.line_id, freeze.id, FreezeStatus.LIFTED, text, now
                    )
                    body = {
                        **freeze_json(uow.freezes.get_freeze(link.line_id, freeze.id)),
                        "lift_note": text,
                        "incident": incident_id,
                    }
                    uow.events.emit("freeze.lifted", body, now, line_id=link.line_id)
                    lifted.append(freeze.id)
            for link in incident.lines:
                money = grants.get(link.line_id)
                line = uow.lines.lock_line(link.line_id)  # re-read: its freezes changed
                if money is None or line.state.status is LineStatus.CLOSED:
                    continue
                assert days is not None
                granted.append(
                    grant_on_line(
                        uow,
                        line,
                        money,
                        days,
                        now=now,
                        source=incident_id,
                        note=text,
                        actor=actor,
                        field="temporary_amount",
                    )
                )
            uow.incidents.close_incident(incident_id, closed_at=now, closed_by=actor, note=text)
            answer = uow.incidents.get_incident(incident_id).to_json()
            answer.update(lifted=lifted, temporary_quotas=granted)
            uow.events.emit("incident.closed", answer, now)
            return Answer(answer)

        return run_once(
            uow,
            scope=SCOPE,
            key=checked,
            command="incident.close",
            params=params,
            effect=effect,
            now=now,
        )


def show_incident(db: Database, incident_id: str) -> Answer:
    """One incident with its lines, each with its freeze's state and any temporary quota the
    incident granted it."""
    with db.transaction(write=False) as uow:
        incident = uow.incidents.get_incident(incident_id)
        lines = []
        for link in incident.lines:
            freeze = uow.freezes.get_freeze(link.line_id, link.freeze_id)
            quotas = [
                q.to_json()
                for q in uow.incidents.temporaries_of(link.line_id)
                if q.source == incident_id
            ]
            lines.append(
                {
                    "line": link.line_id,
                    "freeze": link.freeze_id,
                    "freeze_status": freeze.status.value,
                    "temporary_quotas": quotas,
                }
            )
    body = incident.to_json()
    body["lines"] = lines
    return Answer(body)


def list_incidents(db: Database, *, status: str | None = None, limit: int = LIST_LIMIT) -> Answer:
    """Incidents, newest first; ``status`` open or closed."""
    if status is not None and status not in {s.value for s in IncidentStatus}:
        raise InvalidInput("status", "status must be open or closed")
    if not 1 <= limit <= LIST_LIMIT:
        raise InvalidInput("limit", f"limit must be between 1 and {LIST_LIMIT}")
    with db.transaction(write=False) as uow:
        found = uow.incidents.list_incidents(status, limit)
    return Answer({"data": [_summary(i) for i in found]})


def _summary(incident: Incident) -> dict[str, Any]:
    body = incident.to_json()
    body["line_count"] = len(incident.lines)
    return body
