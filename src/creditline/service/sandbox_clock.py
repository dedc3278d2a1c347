"""Use cases for the sandbox clock (测试时钟), like Stripe's test clocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.reasons import Reason, ReasonCode
from creditline.service.idempotency import Answer
from creditline.service.uow import Database

_DURATION = re.compile(r"([0-9]+)([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_instant(text: str, field: str = "at") -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            field, f"{field} must be an ISO 8601 time with offset, got {text!r}"
        ) from None
    if value.tzinfo is None:
        raise InvalidInput(field, f"{field} needs a UTC offset, e.g. 2024-05-01T10:00:00+08:00")
    return value.astimezone(UTC)


def parse_duration(text: str) -> timedelta:
    """``3d``, ``12h``, ``1d12h``, ``90m``, ``30s``."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidInput("duration", f"duration must look like 3d, 12h or 1d12h; got {text!r}")
    delta = timedelta(**{_UNITS[u]: 0 for u in _UNITS})
    for number, unit in parts:
        delta += timedelta(**{_UNITS[unit]: int(number)})
    if delta <= timedelta(0):
        raise InvalidInput("duration", "duration must be positive")
    return delta


def _move(db: Database, target: datetime | None, delta: timedelta | None) -> Answer:
    with db.transaction() as uow:
        if not uow.reference.is_sandbox():
            reason = Reason(ReasonCode.CLOCK_NOT_SANDBOX)
            raise Refused(reason.code.value, reason.message_en, [reason])
        now = uow.reference.now()
        new = target if target is not None else now + (delta or timedelta(0))
        # Like a Stripe test clock's creation time, an empty sandbox may start at any time;
        # once anything happened, time only moves forward.
        if new < now and uow.parties.has_activity():
            reason = Reason(ReasonCode.CLOCK_BACKWARDS)
            raise Refused(reason.code.value, reason.message_en, [reason])
        uow.reference.set_clock(new)
        return Answer({"now": new.isoformat(), "previous": now.isoformat()})


def set_clock(db: Database, at: str) -> Answer:
    return _move(db, parse_instant(at), None)


def advance_clock(db: Database, duration: str) -> Answer:
    return _move(db, None, parse_duration(duration))


def show_clock(db: Database) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer(
            {"now": uow.reference.now().isoformat(), "sandbox": uow.reference.is_sandbox()}
        )
