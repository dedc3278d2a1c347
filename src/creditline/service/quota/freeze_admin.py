"""Use cases for freezes (冻结): add, lift, list; expiry is a due job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.money import Money
from creditline.domain.quota.freeze_hints import freeze_hint
from creditline.domain.quota.freezes import (
    FREEZE_REASON_NAMES,
    Freeze,
    FreezeStatus,
    parse_reason,
)
from creditline.domain.quota.lines import require_positive
from creditline.domain.text import printable_text
from creditline.domain.workdays import add_working_days, iso_local
from creditline.service.idempotency import Answer, check_key, retried
from creditline.service.ids import line_of, new_child_id
from creditline.service.quota.line_book import balances_json, post_movement
from creditline.service.quota.line_command import line_command
from creditline.service.uow import Database, UnitOfWork

MAX_NOTE = 500


def freeze_json(f: Freeze) -> dict[str, Any]:
    zh, en = FREEZE_REASON_NAMES[f.reason]
    return {
        "id": f.id,
        "line": f.line_id,
        "reason": f.reason.value,
        "reason_zh": zh,
        "reason_en": en,
        "scope": "line" if f.whole_line else "amount",
        "amount": None if f.amount is None else f.amount.format(),
        "starts_at": iso_local(f.starts_at),
        "ends_at": iso_local(f.ends_at) if f.ends_at else None,
        "provisional": f.provisional,
        "status": f.status.value,
        "note": f.note,
        "policy_version": f.policy_version,
    }


def _note(note: str | None, *, required: bool) -> str:
    text = (note or "").strip()
    if required and not text:
        raise InvalidInput("note", "note is required: say why")
    return printable_text(text, "note", max_length=MAX_NOTE, required=False)


@retried
def add_freeze(
    db: Database,
    line_id: str,
    *,
    reason: str,
    amount: str | None = None,
    temporary: bool = False,
    hours: int | None = None,
    working_days: int | None = None,
    note: str | None = None,
    key: str | None,
) -> Answer:
    """Freeze the whole line or an amount of it, until an end or until lifted (R14)."""
    freeze_reason = parse_reason(reason)
    checked_key = check_key(key, required=True)
    ends = [
        name
        for name, given in (
            ("temporary", temporary),
            ("hours", hours is not None),
            ("working_days", working_days is not None),
        )
        if given
    ]
    if len(ends) > 1:
        raise InvalidInput(ends[1], "give at most one of --temporary, --hours, --working-days")
    if hours is not None and not 1 <= hours <= 24 * 90:
        raise InvalidInput("hours", "hours must be between 1 and 2160")
    if working_days is not None and not 1 <= working_days <= 60:
        raise InvalidInput("working_days", "working_days must be between 1 and 60")
    if amount is not None:
        Money.parse(amount)
    text = _note(note, required=False)
    params = {
        "reason": reason,
        "amount": amount,
        "temporary": temporary,
        "hours": hours,
        "working_days": working_days,
        "note": text,
    }
    with line_command(db, line_id, checked_key) as cmd:
        uow, now = cmd.uow, cmd.now
        money = None if amount is None else require_positive(cmd.amount(amount))

        def effect() -> Answer:
            policy = uow.reference.policy(now, cmd.line.policy_seq)
            ends_at: datetime | None = None
            provisional = False
            if temporary:
                ends_at = now + timedelta(hours=policy.integer("temporary_freeze_hours"))
            elif hours is not None:
                ends_at = now + timedelta(hours=hours)
            elif working_days is not None:
                ends_at, provisional = add_working_days(uow.reference.calendar(), now, working_days)
            freeze = Freeze(
                id=new_child_id("frz", line_id),
                line_id=line_id,
                reason=freeze_reason,
                starts_at=now,
                ends_at=ends_at,
                amount=money,
                note=text,
                policy_version=policy.version,
                provisional=provisional,
            )
            uow.freezes.insert_freeze(freeze, now)
            body = freeze_json(freeze)
            if money is not None:
                body["balances"] = _sweep(uow, line_id, now, f"{freeze.id}:add")
            uow.events.emit("freeze.added", body, now, line_id=line_id)
            return Answer(body)

        return cmd.run("freeze.add", params, effect)


def _sweep(uow: UnitOfWork, line_id: str, now: datetime, movement_id: str) -> dict[str, Any]:
    """Re-read the line (its freeze count changed) and sweep the frozen account."""
    after = post_movement(uow, uow.lines.lock_line(line_id), movement_id, [], now)
    return balances_json(after.balances)


@retried
def lift_freeze(db: Database, freeze_id: str, *, note: str | None, key: str | None) -> Answer:
    """Lift one freeze; the others stand."""
    line_id = line_of(freeze_id, field="freeze")
    checked_key = check_key(key, required=True)
    text = _note(note, required=True)
    with line_command(db, line_id, checked_key) as cmd:
        uow, now = cmd.uow, cmd.now
        freeze = uow.freezes.get_freeze(line_id, freeze_id)

        def effect() -> Answer:
            return Answer(lift_in(uow, freeze, text, now))

        return cmd.run("freeze.lift", {"freeze": freeze_id, "note": text}, effect)


def lift_in(
    uow: UnitOfWork,
    freeze: Freeze,
    note: str,
    now: datetime,
    *,
    sweep: bool = True,
    also: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Lift ``freeze`` inside the caller's transaction (its line locked) and tell the holder
    (``freeze.lifted``, with ``also`` in the event). ``sweep``: give an amount freeze's quota
    back at once; a caller that posts to the line next (an appeal's decision) leaves that to
    its own posting, which sweeps the frozen account anyway."""
    if freeze.status is not FreezeStatus.ACTIVE:
        raise Refused("freeze_not_active", f"freeze {freeze.id} is {freeze.status.value}")
    line_id = freeze.line_id
    uow.freezes.close_freeze(line_id, freeze.id, FreezeStatus.LIFTED, note, now)
    body = freeze_json(uow.freezes.get_freeze(line_id, freeze.id))
    body["lift_note"] = note
    if sweep and freeze.amount is not None:
        body["balances"] = _sweep(uow, line_id, now, f"{freeze.id}:lift")
    uow.events.emit("freeze.lifted", {**body, **(also or {})}, now, line_id=line_id)
    return body


def list_freezes(db: Database, line_id: str) -> Answer:
    with db.transaction(write=False) as uow:
        uow.lines.read_line(line_id)  # NotFound for a line that does not exist
        now = uow.reference.now()
        items = []
        for f in uow.freezes.freezes_of(line_id, active_only=False):
            item = freeze_json(f)
            item["in_force"] = f.in_force(now)
            item["lifts_zh"], item["lifts_en"] = freeze_hint(f)  # what lifts it
            item.update(uow.freezes.freeze_history(line_id, f.id))
            items.append(item)
        return Answer({"line": line_id, "freezes": items})


def expire_due_freezes(db: Database, *, batch: int = 500) -> list[str]:
    """Mark temporary freezes past their end as expired and give amount freezes back."""
    with db.transaction(write=False) as uow:
        due = uow.freezes.due_freezes(uow.reference.now(), batch)
    expired: list[str] = []
    for line_id, freeze_id in due:
        with db.transaction() as uow:
            uow.lines.lock_line(line_id)
            freeze = uow.freezes.get_freeze(line_id, freeze_id)
            now = uow.reference.now()
            if freeze.status is FreezeStatus.ACTIVE and freeze.ends_at and freeze.ends_at <= now:
                uow.freezes.close_freeze(line_id, freeze_id, FreezeStatus.EXPIRED, "ended", now)
                if freeze.amount is not None:
                    _sweep(uow, line_id, now, f"{freeze_id}:expire")
                uow.events.emit("freeze.expired", freeze_json(freeze), now, line_id=line_id)
                expired.append(freeze_id)
    return expired
