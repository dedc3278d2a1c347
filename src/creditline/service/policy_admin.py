"""Use cases for platform policy (平台政策): show what is in force, record a change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.policy import PARAMETERS, Policy, parse_value, policy_at
from creditline.domain.text import MAX_NOTE, printable_text
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer, once
from creditline.service.sandbox_clock import parse_instant
from creditline.service.uow import Database, UnitOfWork


def policy_json(policy: Policy) -> dict[str, Any]:
    values = {}
    for key, param in PARAMETERS.items():
        change = policy.change_of(key)
        values[key] = {
            "value": policy.raw(key),
            "version": f"v{change.version}" if change else None,
            "effective_at": iso_local(change.effective_at) if change else None,
            "zh": param.zh,
            "en": param.en,
        }
    return {"version": policy.version, "values": values}


def show_policy(db: Database, at: str | None = None) -> Answer:
    instant = None if at is None else parse_instant(at, "at")
    with db.transaction(write=False) as uow:
        when = instant or uow.reference.now()
        changes = uow.reference.policy_changes()
        body = policy_json(policy_at(changes, when))
        body["at"] = iso_local(when)
        body["scheduled"] = [
            {
                "version": f"v{c.version}",
                "key": c.key,
                "value": c.value,
                "effective_at": iso_local(c.effective_at),
                "note": c.note,
            }
            for c in changes
            if c.effective_at > when
        ]
        return Answer(body)


def set_policy(
    db: Database,
    key: str,
    value: str,
    *,
    effective: str,
    note: str | None = None,
    idempotency_key: str | None = None,
) -> Answer:
    """Record a change effective from ``effective`` (``now`` or a future time, never past)."""
    canonical = parse_value(key, value)
    text = printable_text((note or "").strip(), "note", max_length=MAX_NOTE, required=False)
    instant = None if effective == "now" else parse_instant(effective, "effective")

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        when = instant or now
        if when < now:
            raise InvalidInput(
                "effective",
                f"effective {iso_local(when)} is in the past; changes are never retroactive",
            )
        before = policy_at(uow.reference.policy_changes(), when).raw(key)
        version = uow.reference.insert_policy_change(key, canonical, when, text, now)
        body = {
            "version": f"v{version}",
            "key": key,
            "from": before,
            "value": canonical,
            "effective_at": iso_local(when),
            "note": text,
        }
        uow.events.emit("policy.changed", body, now)
        return Answer(body)

    return once(
        db,
        key=idempotency_key,
        command="policy.set",
        params={"key": key, "value": canonical, "effective": effective, "note": note},
        effect=effect,
        scope="platform",
    )
