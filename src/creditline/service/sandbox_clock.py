"""Use cases for the sandbox clock (测试时钟), like Stripe's test clocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer
from creditline.service.uow import Database

_DURATION = re.compile(r"([0-9]+)([dhms])")
_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
#: The longest move of a sandbox clock at once, and the latest time it may show: far enough
#: for any story, near enough that every rule's date arithmetic (hold timeouts, working days,
#: after-sale windows) stays inside what ``datetime`` can hold.
MAX_DURATION = timedelta(days=36_500)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)


def parse_instant(text: str, field: str = "at") -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            field, f"{field} must be an ISO 8601 time with offset, got {text!r}"
        ) from None
    if value.tzinfo is None:
        raise InvalidInput(field, f"{field} needs an offset, e.g. 2024-05-01T10:00:00+08:00")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last instant datetime holds
        raise InvalidInput(field, f"{field} is out of range: {text!r}") from None


def parse_duration(text: str) -> timedelta:
    """``3d``, ``12h``, ``1d12h``, ``90m``, ``30s``."""
    longest = f"at most {MAX_DURATION.days}d"
    if len(text) > 40:  # not echoed, and never handed to int(): it may be thousands of digits
        raise InvalidInput("duration", f"duration is too long: {longest}")
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidInput("duration", f"duration must look like 3d, 12h or 1d12h; got {text!r}")
    seconds = sum(int(number) * _SECONDS[unit] for number, unit in parts)
    if seconds <= 0:
        raise InvalidInput("duration", "duration must be positive")
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidInput("duration", f"duration {text} is too long: {longest}")
    return timedelta(seconds=seconds)


def _move(db: Database, target: datetime | None, delta: timedelta | None) -> Answer:
    with db.transaction() as uow:
        if not uow.reference.is_sandbox():
            reason = Reason(ReasonCode.CLOCK_NOT_SANDBOX)
            raise Refused(reason.code.value, reason.message_en, [reason])
        now = uow.reference.now()
        new = target if target is not None else now + (delta or timedelta(0))
        if new > LATEST:
            field = "at" if target is not None else "duration"
            raise InvalidInput(field, f"the sandbox clock cannot go past {iso_local(LATEST)}")
        # Like a Stripe test clock's creation time, an empty sandbox may start at any time;
        # once anything happened, time only moves forward.
        if new < now and uow.parties.has_activity():
            reason = Reason(ReasonCode.CLOCK_BACKWARDS)
            raise Refused(reason.code.value, reason.message_en, [reason])
        uow.reference.set_clock(new)
        return Answer({"now": iso_local(new), "previous": iso_local(now)})


def set_clock(db: Database, at: str) -> Answer:
    return _move(db, parse_instant(at), None)


def advance_clock(db: Database, duration: str) -> Answer:
    return _move(db, None, parse_duration(duration))


def show_clock(db: Database) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer(
            {"now": iso_local(uow.reference.now()), "sandbox": uow.reference.is_sandbox()}
        )
