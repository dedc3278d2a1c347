"""The alerts (预警, R21) of lines: ``refresh_alerts`` opens each alert once per cause, changes
its level and closes it when the cause clears, each step an event (``alert.opened``,
``alert.updated`` when the level moves, ``alert.closed``); ``line_alerts`` lists them.

Which alerts a line should have is one pure rule, ``domain.quota.alert_rules.due_alerts``
(kinds, levels and causes are listed there). This module reads its facts:

- the line as the diagnosis reads it (``spend_state.spend_context`` for a spend of nothing, so
  over-long occupancy and freezes are judged by the very code that refuses a spend);
- the holder's **settled sales** of the last 90 days: what its splits (分账) took out of escrow
  in that window, which is the whole proceeds of every order settled, whatever share went to
  repayment, to suppliers or to the merchant's balance, less the after-sale refunds (售后退款)
  taken back from it in the same window. The lots of the ``settlements`` table are not used:
  they hold only the merchant's own share (and compensations), so a merchant whose rule sends
  more to repayment would look as if it sold less. Orders returned before their split never
  reach escrow's split and never count;
- the holder's split payouts to suppliers that failed and are not paid.

Alerts are refreshed by ``run-due`` (and so by the worker), never inline on the spend path.
Each line is looked at in a reading transaction. The common case, nothing to change, ends
there: no write and no lock. A change is planned again under the line's row lock in one
writing transaction, so that two runs at once open an alert once. A change of detail alone
(the available amount moved, one more day overdue) is written without an event, so that the
line's view stays current.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.quota.alert_rules import FLOW_WINDOW, Alert, alert_messages, due_alerts
from creditline.domain.quota.purposes import Purpose
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer
from creditline.service.ids import new_id
from creditline.service.quota.alert_ports import StoredAlert
from creditline.service.quota.spend_state import spend_context
from creditline.service.uow import Database, UnitOfWork

MAX_LIMIT = 100
MAX_BATCH = 10_000
COUNTS = ("lines", "opened", "updated", "refreshed", "closed")


def alert_json(a: StoredAlert) -> dict[str, Any]:
    """An alert as the API and the events show it."""
    zh, en = alert_messages(a.kind, a.detail)
    return {
        "object": "alert",
        "id": a.id,
        "line": a.line_id,
        "kind": a.kind,
        "level": a.level,
        "message_zh": zh,
        "message_en": en,
        "detail": a.detail,
        "opened_at": iso_local(a.opened_at),
        "closed_at": iso_local(a.closed_at) if a.closed_at else None,
    }


def alert_summary(a: StoredAlert) -> dict[str, Any]:
    """An open alert as a line's view carries it: kind, level, since when, and what it says."""
    zh, en = alert_messages(a.kind, a.detail)
    return {
        "kind": a.kind,
        "level": a.level,
        "opened_at": iso_local(a.opened_at),
        "message_zh": zh,
        "message_en": en,
    }


def line_alerts(
    db: Database, line_id: str, *, include_closed: bool = False, limit: int = 20
) -> Answer:
    """The line's open alerts, oldest first; with ``include_closed``, its alerts open and
    closed, newest first. At most ``limit`` (1-100)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"limit must be between 1 and {MAX_LIMIT}")
    with db.transaction(write=False) as uow:
        uow.lines.read_line(line_id)  # NotFound for a line that does not exist
        if include_closed:
            found = uow.alerts.alerts(line_id, limit + 1)
        else:
            found = uow.alerts.open_alerts(line_id)
    return Answer(
        {
            "object": "list",
            "data": [alert_json(a) for a in found[:limit]],
            "has_more": len(found) > limit,
        }
    )


def refresh_alerts(db: Database, *, line_id: str | None = None, batch: int = 500) -> Answer:
    """Bring the alerts of one line, or of every line to watch (active lines and lines with
    an open alert, ``batch`` ids a page), in line with their causes; one writing transaction
    per line that changes. Answers how many lines were looked at and how many alerts were
    opened, updated (level moved), refreshed (detail only) and closed."""
    if not 1 <= batch <= MAX_BATCH:
        raise InvalidInput("batch", f"batch must be between 1 and {MAX_BATCH}")
    tally: Counter[str] = Counter()
    if line_id is not None:
        tally += _refresh(db, line_id)
    else:
        after = ""
        while True:
            with db.transaction(write=False) as uow:
                ids = uow.alerts.lines_to_watch(after, batch)
            for each in ids:
                tally += _refresh(db, each)
            if len(ids) < batch:
                break
            after = ids[-1]
    return Answer({name: tally[name] for name in COUNTS})


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a line's alerts need: new ones, open ones whose level or detail moved, and open
    ones whose cause cleared."""

    opened: list[Alert]
    changed: list[tuple[StoredAlert, Alert]]
    closed: list[StoredAlert]

    def __bool__(self) -> bool:
        return bool(self.opened or self.changed or self.closed)


def _refresh(db: Database, line_id: str) -> Counter[str]:
    with db.transaction(write=False) as uow:
        if not _plan(uow, line_id, lock=False):
            return Counter(lines=1)
    # Something to change: planned again under the line's lock, in a writing transaction, so
    # that of two runs at once the second sees what the first wrote.
    with db.transaction() as uow:
        return _apply(uow, line_id, _plan(uow, line_id, lock=True), uow.reference.now())


def _plan(uow: UnitOfWork, line_id: str, *, lock: bool) -> _Plan:
    now = uow.reference.now()
    line = uow.lines.lock_line(line_id) if lock else uow.lines.read_line(line_id)
    party_id = line.state.party_id
    probe = spend_context(
        uow,
        line,
        amount=Money.zero(line.state.currency),
        purpose=Purpose.PROCUREMENT,  # any purpose: only the line's own state is read
        now=now,
        policy=uow.reference.policy(now, line.policy_seq),
        full=False,
    )
    wanted = due_alerts(
        probe,
        settled_sales=uow.alerts.settled_sales(party_id, now - FLOW_WINDOW, now),
        failing_payouts=uow.alerts.failing_payouts(party_id),
    )
    stored = {a.kind: a for a in uow.alerts.open_alerts(line_id)}
    return _Plan(
        opened=[a for kind, a in wanted.items() if kind not in stored],
        changed=[
            (stored[kind], a)
            for kind, a in wanted.items()
            if kind in stored and (stored[kind].level, stored[kind].detail) != (a.level, a.detail)
        ],
        closed=[a for kind, a in stored.items() if kind not in wanted],
    )


def _apply(uow: UnitOfWork, line_id: str, plan: _Plan, now: datetime) -> Counter[str]:
    done: Counter[str] = Counter(lines=1)
    for old in plan.closed:
        closed = replace(old, closed_at=now)
        uow.alerts.update_alert(closed)
        uow.events.emit("alert.closed", alert_json(closed), now, line_id=line_id)
        done["closed"] += 1
    for old, want in plan.changed:
        moved = replace(old, level=want.level.value, detail=want.detail)
        uow.alerts.update_alert(moved)
        if moved.level == old.level:
            done["refreshed"] += 1
            continue
        payload = {**alert_json(moved), "previous_level": old.level}
        uow.events.emit("alert.updated", payload, now, line_id=line_id)
        done["updated"] += 1
    for want in plan.opened:
        new = StoredAlert(
            new_id("alrt"), line_id, want.kind.value, want.level.value, want.detail, now
        )
        uow.alerts.open_alert(new)
        uow.events.emit("alert.opened", alert_json(new), now, line_id=line_id)
        done["opened"] += 1
    return done
