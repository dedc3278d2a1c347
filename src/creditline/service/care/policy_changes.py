"""The policy changes that touched a holder (政策变更): the platform's policy history (kept whole,
``policy_changes``) read for one holder over the last ``days`` days: for each change, when it
took effect, each setting it changed from old to new, and which of the holder's lines (or its
order flow) it applies to. The policy is platform-wide: a change touches every holder that has
what the setting governs (``domain.quota.policy_reach``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.policy import PARAMETERS, PolicyChange, policy_at
from creditline.domain.quota.policy_reach import Reach, reach_of, touches
from creditline.domain.workdays import iso_local
from creditline.service.care.holder import party_head
from creditline.service.idempotency import Answer
from creditline.service.uow import Database

MAX_DAYS = 366

PLATFORM_WIDE_ZH = (
    "平台政策对所有商户统一生效：每项变更都适用于持有相应额度或订单业务的全部商户，也包括您。"
)
PLATFORM_WIDE_EN = (
    "Platform policy applies to every holder alike: each change applies to every holder with "
    "the lines or the order flow it governs, you included."
)


def _days(days: int) -> int:
    if type(days) is not int or not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", f"days must be a whole number from 1 to {MAX_DAYS}")
    return days


def _before(changes: Sequence[PolicyChange], change: PolicyChange) -> str:
    """The value of ``change.key`` in force just before ``change`` (the changes recorded
    before it at its instant included)."""
    earlier = [
        c for c in changes if (c.effective_at, c.version) < (change.effective_at, change.version)
    ]
    return policy_at(earlier, change.effective_at).raw(change.key)


def policy_changes(db: Database, party_id: str, days: int = 30) -> Answer:
    """The policy changes effective in the last ``days`` days (and those scheduled) that
    touched the holder ``party_id``, newest first."""
    _days(days)
    with db.transaction(write=False) as uow:
        head = party_head(uow, party_id)
        now = uow.reference.now()
        changes = uow.reference.policy_changes()
    since = now - timedelta(days=days)
    lines = [line for line in head["lines"] if line["status"] != "closed"]
    has_lines, merchant = bool(lines), head["kind"] == "merchant"
    ordered = sorted(changes, key=lambda c: (c.effective_at, c.version))

    def entries(chosen: list[PolicyChange]) -> list[dict[str, Any]]:
        out = []
        for when, group in groupby(chosen, key=lambda c: c.effective_at):
            settings = []
            for c in group:
                old = _before(ordered, c)
                if old == c.value or not touches(c.key, has_lines=has_lines, is_merchant=merchant):
                    continue
                settings.append(_setting_json(c, old, lines))
            if settings:
                out.append(_entry_json(when, settings))
        return out[::-1]

    recent = entries([c for c in ordered if since < c.effective_at <= now])
    scheduled = entries([c for c in ordered if c.effective_at > now])
    return Answer(
        {
            "object": "policy_changes",
            **head,
            "as_of": iso_local(now),
            "days": days,
            "since": iso_local(since),
            "platform_wide": True,
            "platform_wide_zh": PLATFORM_WIDE_ZH,
            "platform_wide_en": PLATFORM_WIDE_EN,
            "changes": recent,
            "scheduled": scheduled[::-1],
        }
    )


def _setting_json(c: PolicyChange, old: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    param = PARAMETERS.get(c.key)
    reach = reach_of(c.key)
    return {
        "key": c.key,
        "version": f"v{c.version}",
        "name_zh": param.zh if param else c.key,
        "name_en": param.en if param else c.key,
        "old": old,
        "new": c.value,
        "note": c.note,
        "reach": reach.value,
        "applies_to_lines": [line["id"] for line in lines] if reach is Reach.LINES else [],
        "applies_to_orders": reach is Reach.ORDERS,
    }


def _entry_json(when: datetime, settings: list[dict[str, Any]]) -> dict[str, Any]:
    return {"effective_at": iso_local(when), "settings": settings}
