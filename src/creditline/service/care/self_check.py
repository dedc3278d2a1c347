"""Use cases of the holder's self-check (自测清单, R23) and the customer-service figures the
platform posts for it: each item measured over the last 30 days and scored by
``domain.quota.self_check_scores``."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.quota import self_check_scores as rules
from creditline.domain.workdays import iso_local, local_date
from creditline.service.care.care_ports import RiskItem, ServiceFigures, SplitTiming
from creditline.service.care.holder import party_head
from creditline.service.idempotency import Answer
from creditline.service.uow import Database

WINDOW_DAYS = 30
#: The most chats one holder's figures may count in a day (a typo guard, not a business rule).
MAX_CHATS = 10_000_000
#: A median response time above a day is no median of a chat.
MAX_MEDIAN_SECONDS = 86_400


def _count(value: object, field: str, maximum: int) -> int:
    if type(value) is not int or not 0 <= value <= maximum:
        raise InvalidInput(field, f"{field} must be a whole number from 0 to {maximum}")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput("day", f"day must be a date like 2026-11-30, not {text!r:.40}") from None


def save_service_figures(
    db: Database,
    party_id: str,
    *,
    day: str,
    chats: int,
    answered_within_30s: int,
    median_seconds: int,
) -> Answer:
    """Record a holder's customer-service figures of ``day`` (one row per party and day: a
    repeat replaces the day's figures, so posting the same again changes nothing)."""
    when = _day(day)
    figures = ServiceFigures(
        party_id,
        when,
        _count(chats, "chats", MAX_CHATS),
        _count(answered_within_30s, "answered_within_30s", MAX_CHATS),
        _count(median_seconds, "median_seconds", MAX_MEDIAN_SECONDS),
    )
    if figures.answered_within_30s > figures.chats:
        raise InvalidInput("answered_within_30s", "answered_within_30s cannot exceed chats")
    with db.transaction() as uow:
        uow.parties.get_party(party_id)  # NotFound for no such party
        now = uow.reference.now()
        if when > local_date(now):
            raise InvalidInput("day", f"day {when} is in the future (Beijing time)")
        uow.care.save_service_figures(figures, now)
    return Answer(
        {
            "object": "service_figures",
            "party": party_id,
            "day": when.isoformat(),
            "chats": figures.chats,
            "answered_within_30s": figures.answered_within_30s,
            "median_seconds": figures.median_seconds,
        }
    )


@dataclass(frozen=True, slots=True)
class _Tally:
    in_time: int = 0
    counted: int = 0
    open_late: int = 0
    pending: int = 0


def _splits(timings: list[SplitTiming], now: datetime) -> _Tally:
    """Done within 24 hours of becoming due; a split not done 24 hours after it fell due is
    late; one due less than 24 hours ago and not done yet is not counted yet."""
    limit = timedelta(hours=rules.SPLIT_HOURS)
    in_time = counted = open_late = pending = 0
    for s in timings:
        if s.done_at is not None:
            counted += 1
            in_time += s.done_at - s.due_at <= limit
        elif now - s.due_at > limit:
            counted += 1
            open_late += 1
        elif s.due_at <= now:
            pending += 1
    return _Tally(in_time, counted, open_late, pending)


def _risk(items: list[RiskItem], now: datetime) -> _Tally:
    """Handled within 2 hours of opening; an open item older than 2 hours is late."""
    limit = timedelta(hours=rules.RISK_HOURS)
    in_time = counted = open_late = pending = 0
    for item in items:
        if item.closed_at is not None:
            counted += 1
            in_time += item.closed_at - item.opened_at <= limit
        elif now - item.opened_at > limit:
            counted += 1
            open_late += 1
        else:
            pending += 1
    return _Tally(in_time, counted, open_late, pending)


def item_json(item: rules.Item, facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "item": item.key,
        "status": "no_data" if item.score is None else "scored",
        "score": item.score,
        "pass_line": rules.PASS_LINE,
        "passed": item.passed,
        "figure": None if item.figure is None else str(item.figure),
        "unit": "percent",
        "measured_zh": item.figure_zh,
        "measured_en": item.figure_en,
        "target_zh": item.target_zh,
        "target_en": item.target_en,
        "advice_zh": item.advice_zh,
        "advice_en": item.advice_en,
        "facts": facts,
    }


def self_check(db: Database, party_id: str) -> Answer:
    """The holder's four self-check items over the last 30 days, each scored 1-5 against the
    pass line of 4 with its figure, target and advice; "no data yet" where nothing is measured."""
    with db.transaction(write=False) as uow:
        head = party_head(uow, party_id)
        now = uow.reference.now()
        since = now - timedelta(days=WINDOW_DAYS)
        first_day = local_date(now) - timedelta(days=WINDOW_DAYS - 1)
        timings = uow.care.split_timings(party_id, since)
        risk_items = uow.care.risk_items(party_id, since)
        figures = uow.care.service_figures(party_id, first_day)
    splits, risk = _splits(timings, now), _risk(risk_items, now)
    live = [line for line in head["lines"] if line["status"] != "closed"]
    currency = live[0]["currency"] if live else "CNY"
    same = [line for line in live if line["currency"] == currency]
    used = sum(_minor(line, "held") + _minor(line, "occupied") for line in same)
    limit = sum(_minor(line, "limit") for line in same)
    chats = sum(f.chats for f in figures)
    within = sum(f.answered_within_30s for f in figures)
    medians = [f.median_seconds for f in figures if f.chats > 0]
    median = statistics.median_low(medians) if medians else None
    items = [
        item_json(
            rules.split_timeliness(splits.in_time, splits.counted),
            {
                "splits_counted": splits.counted,
                "done_in_time": splits.in_time,
                "overdue_open": splits.open_late,
                "not_yet_counted": splits.pending,
            },
        ),
        item_json(
            rules.utilisation(used, limit, len(same)),
            {
                "lines": len(same),
                "currency": currency,
                "used": Money(used, currency).format(),
                "limit": Money(limit, currency).format(),
            },
        ),
        item_json(
            rules.risk_response(risk.in_time, risk.counted, risk.open_late),
            {
                "items_counted": risk.counted,
                "handled_in_time": risk.in_time,
                "open_overdue": risk.open_late,
                "open_within_2h": risk.pending,
                "open_items": [_risk_json(i, now) for i in risk_items if i.closed_at is None],
            },
        ),
        item_json(
            rules.service_response(within, chats, median, len(figures)),
            {
                "days": len(figures),
                "chats": chats,
                "answered_within_30s": within,
                "median_seconds": median,
                "last_day": figures[-1].day.isoformat() if figures else None,
            },
        ),
    ]
    scored = [i for i in items if i["score"] is not None]
    return Answer(
        {
            "object": "self_check",
            **head,
            "as_of": iso_local(now),
            "window_days": WINDOW_DAYS,
            "pass_line": rules.PASS_LINE,
            "scored": len(scored),
            "passed": sum(1 for i in scored if i["passed"]),
            "items": items,
        }
    )


def _minor(line: dict[str, Any], key: str) -> int:
    return Money.parse(str(line[key]), str(line["currency"])).minor


def _risk_json(item: RiskItem, now: datetime) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "id": item.id,
        "what": item.what,
        "opened_at": iso_local(item.opened_at),
        "open_minutes": int((now - item.opened_at).total_seconds() // 60),
    }
