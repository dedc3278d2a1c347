"""A line's quota over its last days (额度管理's chart): limit, used (held + occupied) and
available at the end of each Beijing day, replayed from the line's book with running
``Balances`` as statements are, and the freezes that stood in the window, as intervals of
days."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.ledger import LINE_BOOK, Balances
from creditline.domain.quota.freezes import FREEZE_REASON_NAMES
from creditline.domain.quota.quota_views import (
    MAX_DAYS,
    day_range,
    freeze_days,
    freeze_end,
)
from creditline.domain.workdays import iso_local, local_date
from creditline.service.idempotency import Answer
from creditline.service.uow import Database, UnitOfWork


def check_days(days: int) -> int:
    """``days`` when it is a whole number from 1 to ``MAX_DAYS``; else bad input."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", f"days must be a whole number from 1 to {MAX_DAYS}")
    return days


def balances_json(b: Balances) -> dict[str, str]:
    """A day's balances as the history and the monitor give them; used = held + occupied."""
    return {
        "limit": b.limit.format(),
        "used": (b.held + b.occupied).format(),
        "held": b.held.format(),
        "occupied": b.occupied.format(),
        "frozen": b.frozen.format(),
        "available": b.available.format(),
    }


def daily_balances(
    uow: UnitOfWork, line_id: str, days: list[date], currency: str | None = None
) -> list[Balances]:
    """The line's balances at the end of each of ``days`` (the last one: now); ``currency``:
    the line's, when the caller has read the line already."""
    currency = currency or uow.lines.read_line(line_id).state.currency
    running = Balances.empty(LINE_BOOK, currency)
    ends = uow.lines.day_ends(line_id, days[0], days[-1])
    out: list[Balances] = []
    at = 0
    for day in days:  # the running aggregate: each day's end, or the last day it moved
        while at < len(ends) and ends[at][0] <= day:
            running = ends[at][1]
            at += 1
        out.append(running)
    return out


def quota_history(db: Database, line_id: str, *, days: int = 90) -> Answer:
    """The line's balances at the end of each of its last ``days`` Beijing days (1-366,
    today included, as of now), oldest first, each day with the freezes standing on it; and
    those freezes, with the first and last day of the window they stood on."""
    check_days(days)
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        line = uow.lines.read_line(line_id)
        window = day_range(local_date(now), days)
        balances = daily_balances(uow, line_id, window, line.state.currency)
        freezes = _freezes(uow, line_id, now, window[0], window[-1])
    rows: list[dict[str, Any]] = []
    shown: dict[int, dict[str, str]] = {}  # a quiet day repeats the day before's balances
    for day, b in zip(window, balances, strict=True):
        iso = day.isoformat()
        standing = [f for f in freezes if f["first_day"] <= iso <= f["last_day"]]
        amounts = shown.get(id(b))
        if amounts is None:
            amounts = shown[id(b)] = balances_json(b)
        rows.append(
            {
                "date": iso,
                **amounts,
                "freezes": [f["id"] for f in standing],
                "line_frozen": any(f["scope"] == "line" for f in standing),
            }
        )
    return Answer(
        {
            "line": line_id,
            "currency": line.state.currency,
            "as_of": iso_local(now),
            "from": window[0].isoformat(),
            "to": window[-1].isoformat(),
            "days": rows,
            "freezes": freezes,
        }
    )


def _freezes(
    uow: UnitOfWork, line_id: str, now: datetime, first: date, last: date
) -> list[dict[str, Any]]:
    out = []
    for f in uow.freezes.freezes_of(line_id, active_only=False):
        closed = uow.freezes.freeze_history(line_id, f.id)["closed_at"]
        closed_at = datetime.fromisoformat(closed) if closed else None
        ended = freeze_end(f, closed_at, now)
        span = freeze_days(f.starts_at, ended, first, last)
        if span is None:
            continue
        zh, en = FREEZE_REASON_NAMES[f.reason]
        out.append(
            {
                "id": f.id,
                "reason": f.reason.value,
                "reason_zh": zh,
                "reason_en": en,
                "scope": "line" if f.whole_line else "amount",
                "amount": None if f.amount is None else f.amount.format(),
                "status": f.status.value,
                "starts_at": iso_local(f.starts_at),
                "ended_at": iso_local(ended) if ended else None,
                "first_day": span[0].isoformat(),
                "last_day": span[1].isoformat(),
            }
        )
    out.sort(key=lambda item: (item["starts_at"], item["id"]))
    return out
