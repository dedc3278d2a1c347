"""Incidents (系统故障) and temporary quota (临时额度), seed 004's case 3.

An operator opens an incident over the lines a platform fault touched: each line gets a
whole-line ``system_fault`` freeze, with no automatic end, that tells the holder the platform
is at fault and when it expects to clear. Closing the incident lifts those freezes and may
grant each line a temporary quota: a raise of the limit with an end. Temporary quota is
counted as spent first (the used quota takes it before the permanent limit), and when it ends
the limit comes back down by its amount, never below what is used (the rest of the reduction
waits for quota to free, as every lowered limit does).

The estimate of when an incident clears rides in its freezes' note, after a fixed marker
(``fault_note``), so that the diagnosis reads it from the freeze alone (``fault_estimate``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.quota.freezes import Freeze, FreezeReason
from creditline.domain.text import printable_text
from creditline.domain.workdays import iso_local, local_text

#: The most lines one incident may cover (they are frozen in one transaction).
MAX_LINES = 500
MAX_TITLE = 120
#: How far ahead an estimate may go, and how long a temporary quota may last.
MAX_ESTIMATE_HOURS = 24 * 30
MAX_TEMPORARY_DAYS = 90
#: The marker after which a fault freeze's note carries the incident's estimate.
ESTIMATE_MARK = " · estimate "
_ESTIMATE = re.compile(r"(?: · (inc_[0-9a-f]+))?" + re.escape(ESTIMATE_MARK) + r"(\S+)$")


class IncidentStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TemporaryStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class IncidentLine:
    """One line an incident covers, and the freeze it put on it."""

    line_id: str
    freeze_id: str


@dataclass(frozen=True, slots=True)
class Incident:
    """A platform fault over lines: who opened it and when, the estimate of when it clears,
    and who closed it, when and with what note. The title is shown to the affected holders
    (it is in their freezes' note); the note is the operators' own."""

    id: str
    title: str
    note: str
    status: IncidentStatus
    opened_at: datetime
    opened_by: str
    estimated_clear_at: datetime | None
    lines: tuple[IncidentLine, ...] = ()
    closed_at: datetime | None = None
    closed_by: str = ""
    close_note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "note": self.note,
            "status": self.status.value,
            "opened_at": iso_local(self.opened_at),
            "opened_by": self.opened_by,
            "estimated_clear_at": _iso(self.estimated_clear_at),
            "closed_at": _iso(self.closed_at),
            "closed_by": self.closed_by,
            "close_note": self.close_note,
            "lines": [{"line": x.line_id, "freeze": x.freeze_id} for x in self.lines],
        }


@dataclass(frozen=True, slots=True)
class TemporaryQuota:
    """A temporary quota (临时额度) of one line: ``amount`` on top of the limit from
    ``starts_at`` until ``ends_at``; ``source`` is the incident behind it, or ``operator``.
    ``grant_change`` and ``end_change`` are the limit changes that raised and lowered it."""

    line_id: str
    id: str
    amount: Money
    starts_at: datetime
    ends_at: datetime
    source: str
    status: TemporaryStatus = TemporaryStatus.ACTIVE
    note: str = ""
    actor: str = ""
    grant_change: str = ""
    end_change: str = ""
    ended_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "line": self.line_id,
            "amount": self.amount.format(),
            "currency": self.amount.currency,
            "starts_at": iso_local(self.starts_at),
            "ends_at": iso_local(self.ends_at),
            "ends_local": local_text(self.ends_at),
            "status": self.status.value,
            "source": self.source,
            "note": self.note,
            "actor": self.actor,
            "grant_change": self.grant_change,
            "end_change": self.end_change,
            "ended_at": _iso(self.ended_at),
        }


def _iso(at: datetime | None) -> str | None:
    return iso_local(at) if at is not None else None


# -- input ---------------------------------------------------------------------------------
def parse_title(text: str | None) -> str:
    return printable_text(text or "", "title", max_length=MAX_TITLE, strip=True)


def parse_lines(lines: Iterable[str] | None) -> list[str]:
    """The lines of an incident, each once, in the order given."""
    chosen: list[str] = []
    for line in lines or ():
        text = printable_text(line or "", "lines", max_length=64, strip=True, spaces=False)
        if text not in chosen:
            chosen.append(text)
    if not chosen:
        raise InvalidInput("lines", "lines: name at least one line (--line)")
    if len(chosen) > MAX_LINES:
        raise InvalidInput("lines", f"lines: at most {MAX_LINES} per incident ({len(chosen)})")
    return chosen


def check_hours(hours: int | None) -> int | None:
    if hours is None:
        return None
    if isinstance(hours, bool) or not isinstance(hours, int):
        raise InvalidInput("estimate_hours", "estimate_hours must be a whole number of hours")
    if not 1 <= hours <= MAX_ESTIMATE_HOURS:
        raise InvalidInput(
            "estimate_hours", f"estimate_hours must be between 1 and {MAX_ESTIMATE_HOURS}"
        )
    return hours


def check_days(days: int | None, field: str = "days") -> int:
    if days is None:
        raise InvalidInput(field, f"{field} is required with a temporary quota: how long it lasts")
    if isinstance(days, bool) or not isinstance(days, int):
        raise InvalidInput(field, f"{field} must be a whole number of days")
    if not 1 <= days <= MAX_TEMPORARY_DAYS:
        raise InvalidInput(field, f"{field} must be between 1 and {MAX_TEMPORARY_DAYS}")
    return days


# -- what the holder reads -----------------------------------------------------------------
def fault_note(incident_id: str, title: str, estimate: datetime | None) -> str:
    """A fault freeze's note: the incident's title and id, then the estimate after the fixed
    marker (``none`` when there is none), always last, so ``fault_estimate`` finds it."""
    mark = iso_local(estimate) if estimate is not None else "none"
    return f"{title} · {incident_id}{ESTIMATE_MARK}{mark}"


def fault_estimate(note: str) -> datetime | None:
    """The estimate a fault freeze's note carries, or None."""
    found = _ESTIMATE.search(note)
    if found is None:
        return None
    try:
        at = datetime.fromisoformat(found.group(2))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def fault_texts(estimate: datetime | None, now: datetime | None = None) -> tuple[str, str]:
    """What a fault freeze tells its holder: the platform is at fault, not the holder, and
    when it expects to clear (or that the estimate has passed and the work goes on)."""
    if estimate is None:
        zh = "平台系统故障导致，非您的原因；恢复时间正在评估，恢复后自动解除，无需操作"
        en = (
            "caused by a platform fault, not by you; the time it clears is being assessed; "
            "it lifts by itself when fixed, nothing to do"
        )
        return zh, en
    when = local_text(estimate)
    if now is not None and estimate <= now:
        zh = (
            f"平台系统故障导致，非您的原因；原预计 {when}（北京时间）前恢复，仍在处理中，"
            "恢复后自动解除，无需操作"
        )
        en = (
            f"caused by a platform fault, not by you; it was expected to clear by {when} "
            "Beijing time and is still being fixed; it lifts by itself, nothing to do"
        )
        return zh, en
    zh = f"平台系统故障导致，非您的原因；预计 {when}（北京时间）前恢复，无需操作"
    en = (
        f"caused by a platform fault, not by you; expected to clear by {when} Beijing time; "
        "nothing to do"
    )
    return zh, en


def fault_facts(f: Freeze, now: datetime) -> dict[str, Any]:
    """The facts a whole-line ``system_fault`` freeze without an end adds to ``line_frozen``:
    the platform is at fault (``platform_fault``), the incident and its estimate, and texts
    that say so in place of "settle, appeal or ask for it to be lifted"."""
    if f.reason is not FreezeReason.SYSTEM_FAULT or f.ends_at is not None:
        return {}
    found = _ESTIMATE.search(f.note)
    estimate = fault_estimate(f.note)
    hint_zh, hint_en = fault_texts(estimate, now)
    return {
        "platform_fault": True,
        "incident": found.group(1) if found and found.group(1) else None,
        "estimate": _iso(estimate),
        "estimate_local": local_text(estimate) if estimate is not None else None,
        "until_zh": "，由平台系统故障导致，不是您的原因",
        "until_en": " because of a platform fault, not because of anything you did",
        "hint_zh": hint_zh,
        "hint_en": hint_en,
    }


def grant_reasons(amount: Money, ends_at: datetime, source: str) -> list[dict[str, Any]]:
    """The reasons of the limit change that grants a temporary quota."""
    when = local_text(ends_at)
    if source.startswith("inc_"):
        return [
            {
                "code": "temporary_quota",
                "zh": f"系统故障补偿：临时额度 {amount.format()}，{when}（北京时间）到期",
                "en": f"compensation for a platform fault: a temporary quota of "
                f"{amount.format()} until {when} Beijing time",
            }
        ]
    return [
        {
            "code": "temporary_quota",
            "zh": f"平台授予临时额度 {amount.format()}，{when}（北京时间）到期",
            "en": f"a temporary quota of {amount.format()} from the platform, until {when} "
            "Beijing time",
        }
    ]


def end_reasons(quota: TemporaryQuota) -> list[dict[str, Any]]:
    """The reasons of the limit change that ends a temporary quota: it ended as planned."""
    amount, when = quota.amount.format(), local_text(quota.ends_at)
    return [
        {
            "code": "temporary_quota_ended",
            "zh": f"临时额度已到期：{amount} 的临时额度于 {when}（北京时间）结束，固定额度不变",
            "en": f"the temporary quota ended: {amount} of temporary quota ended on {when} "
            "Beijing time; the permanent limit is unchanged",
        }
    ]


#: What restores quota after a temporary quota ends: nothing was taken from the permanent limit.
END_RESTORE = (
    "临时额度按期结束，不是处罚；已用额度还款后即可继续使用固定额度，如需更多额度可申请提额",
    (
        "the temporary quota ended as planned, not as a penalty; repay what is used to spend "
        "within the permanent limit again, or request an increase for more"
    ),
)


def temporary_left(quotas: Iterable[TemporaryQuota], used: Money) -> dict[str, tuple[Money, Money]]:
    """For each active temporary quota, (spent, remaining): the used quota takes temporary
    quota first, the one that ends soonest first; remaining = amount - min(used, amount)."""
    out: dict[str, tuple[Money, Money]] = {}
    left = used
    zero = Money.zero(used.currency)
    active = [q for q in quotas if q.status is TemporaryStatus.ACTIVE]
    for q in sorted(active, key=lambda q: (q.ends_at, q.id)):
        if q.amount.currency != used.currency:
            continue
        spent = left.min(q.amount).max(zero)
        left = (left - spent).max(zero)
        out[q.id] = (spent, q.amount - spent)
    return out
