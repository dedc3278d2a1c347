"""Use cases for the working-day calendar (工作日): load an official notice, ask for days."""

from __future__ import annotations

from datetime import date, timedelta

from creditline.domain.errors import InvalidInput
from creditline.domain.workdays import local_date, next_workday, parse_day
from creditline.service.idempotency import Answer
from creditline.service.uow import Database, UnitOfWork

ALERT_DAYS = 60


def load_calendar(db: Database, days: dict[date, tuple[bool, str]], source: str) -> Answer:
    """Load the days of an official holiday notice; they win over the package."""
    with db.transaction() as uow:
        now = uow.reference.now()
        uow.reference.save_calendar_days(days, source, now)
        body = {
            "loaded": len(days),
            "source": source,
            "from": min(days).isoformat(),
            "to": max(days).isoformat(),
            "known_until": uow.reference.calendar().known_until().isoformat(),
        }
        uow.events.emit("calendar.loaded", body, now)
        return Answer(body)


def next_working_day(db: Database, day: str, days: int = 1) -> Answer:
    start = parse_day(day, "date")
    if not 1 <= days <= 366:
        raise InvalidInput("days", "days must be between 1 and 366")
    with db.transaction(write=False) as uow:
        found, provisional = next_workday(uow.reference.calendar(), start, days)
        return Answer(
            {
                "date": found.isoformat(),
                "from": start.isoformat(),
                "days": days,
                "provisional": provisional,
            }
        )


def check_calendar_horizon(uow: UnitOfWork) -> dict[str, str] | None:
    """Raise an alert (once per horizon) when the known calendar runs out within 60 days."""
    now = uow.reference.now()
    known_until = uow.reference.calendar().known_until()
    if known_until - local_date(now) > timedelta(days=ALERT_DAYS):
        return None
    payload = {
        "known_until": known_until.isoformat(),
        "message_zh": f"工作日历只到 {known_until}，请导入下一年的放假安排",
        "message_en": f"the working-day calendar ends on {known_until}; load next "
        "year's holiday notice",
    }
    raised = uow.events.events("alert.calendar_running_out", 0, 10_000)
    if any(e["payload"].get("known_until") == payload["known_until"] for e in raised):
        return None
    uow.events.emit("alert.calendar_running_out", payload, now)
    return payload
