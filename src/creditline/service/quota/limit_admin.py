"""Use cases that change a line's limit (额度调整) or its life: set a limit, close, reopen.

Every change goes through ``apply_limit_change``: it records the target and the change (who,
why, what would restore it), posts what can be posted now (a raise whole, a reduction only
from free quota; the rest is swept as quota frees) and tells the holder by an event. Reviews,
appeals, increase requests and temporary quota call it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from creditline.domain.errors import Refused
from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.quota.incidents import TemporaryStatus
from creditline.domain.quota.limits import (
    LimitChange,
    LimitChangeKind,
    check_closable,
    check_target,
    parse_note,
    pending_reduction,
)
from creditline.domain.quota.lines import LineStatus, check_no_open_line
from creditline.domain.quota.parties import missing_prerequisites
from creditline.domain.reasons import Reason, ReasonCode
from creditline.service.idempotency import Answer, check_key, retried
from creditline.service.ids import new_child_id
from creditline.service.quota.line_book import balances_json, post_movement
from creditline.service.quota.line_command import line_command
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import Database, UnitOfWork


def intended_limit(locked: LockedLine) -> Money:
    """The limit the line should have: its target, else its book's limit."""
    target = locked.state.limit_target
    return locked.state.balances.limit if target is None else target


#: Changes that set the permanent limit: temporary quota in force stays on top of it.
PERMANENT = frozenset(
    {LimitChangeKind.SET, LimitChangeKind.REQUEST, LimitChangeKind.APPEAL, LimitChangeKind.REOPEN}
)


def active_temporary(uow: UnitOfWork, line_id: str, now: datetime) -> Money | None:
    """The temporary quota (临时额度) in force on the line, or None when there is none."""
    amounts = [
        q.amount
        for q in uow.incidents.temporaries_of(line_id)
        if q.status is TemporaryStatus.ACTIVE and q.ends_at > now
    ]
    return Money.total(amounts, amounts[0].currency) if amounts else None


def permanent_limit(uow: UnitOfWork, locked: LockedLine, now: datetime) -> Money:
    """The limit without the temporary quota in force on top of it."""
    temporary = active_temporary(uow, locked.state.id, now)
    limit = intended_limit(locked)
    return limit if temporary is None else (limit - temporary).max(Money.zero(limit.currency))


def apply_limit_change(
    uow: UnitOfWork,
    locked: LockedLine,
    target: Money,
    *,
    kind: LimitChangeKind,
    now: datetime,
    actor: str = "",
    source: str = "",
    note: str = "",
    reasons: Sequence[dict[str, Any]] = (),
    restore: tuple[str, str] = ("", ""),
    detail: dict[str, Any] | None = None,
    extra: Sequence[Transfer] = (),
) -> tuple[LockedLine, LimitChange]:
    """Record ``target`` as the line's limit and move the book towards it. Never below what
    is used: a reduction takes only available quota now, the rest as it frees (R19). For the
    kinds in ``PERMANENT``, ``target`` is the permanent limit: temporary quota in force stays
    on top of it (and ends by itself)."""
    state = locked.state
    check_target(target, state.currency)
    if kind in PERMANENT:
        temporary = active_temporary(uow, state.id, now)
        if temporary is not None:
            target = target + temporary
            detail = {**(detail or {}), "temporary_on_top": temporary.format()}
    change = LimitChange(
        id=new_child_id("lim", state.id),
        line_id=state.id,
        kind=kind,
        previous=intended_limit(locked),
        target=target,
        at=now,
        actor=actor,
        source=source,
        note=note,
        reasons=tuple(reasons),
        restore_zh=restore[0],
        restore_en=restore[1],
        detail=detail or {},
    )
    uow.lines.set_limit_target(state.id, target, now)
    aimed = replace(locked, state=replace(state, limit_target=target))
    gap = target - state.balances.limit
    transfers = [*extra]
    if gap.is_positive:
        transfers.append(
            Transfer(Account.PLATFORM_LIMIT, Account.AVAILABLE, gap, Movement.GRANT, change.id)
        )
    after = aimed.moved_to(post_movement(uow, aimed, change.id, transfers, now))
    uow.lines.insert_limit_change(change)
    uow.events.emit("limit.changed", change_json(change, after), now, line_id=state.id)
    return after, change


def change_json(change: LimitChange, line: LockedLine) -> dict[str, Any]:
    """A change with the line's balances after it, and what of a reduction still waits."""
    b = line.state.balances
    return {
        **change.to_json(),
        "balances": balances_json(b),
        "pending_reduction": pending_reduction(b, line.state.limit_target).format(),
    }


@retried
def set_limit(
    db: Database,
    line_id: str,
    *,
    limit: str,
    note: str | None,
    actor: str = "",
    key: str | None = None,
) -> Answer:
    """An operator sets a line's limit (audited by the caller): raised at once, lowered as far
    as the free quota allows; new spending is blocked until the rest frees up."""
    text = parse_note(note, required=True)
    checked = check_key(key, required=True)
    Money.parse(limit, field="limit")
    with line_command(db, line_id, checked) as cmd:
        currency = cmd.line.state.currency
        target = check_target(Money.parse(limit, currency, field="limit"), currency)
        _check_open(cmd.line)

        def effect() -> Answer:
            after, change = apply_limit_change(
                cmd.uow,
                cmd.line,
                target,
                kind=LimitChangeKind.SET,
                now=cmd.now,
                actor=actor,
                note=text,
                reasons=[
                    {
                        "code": "operator",
                        "zh": f"平台调整：{text}",
                        "en": f"by the platform: {text}",
                    }
                ],
            )
            return Answer(change_json(change, after))

        return cmd.run("line.set_limit", {"limit": limit, "note": text}, effect)


def _check_open(locked: LockedLine) -> None:
    if locked.state.status is LineStatus.CLOSED:
        reason = Reason(ReasonCode.LINE_CLOSED, {"line": locked.state.id})
        raise Refused(reason.code.value, reason.message_en, [reason])


@retried
def close_line(
    db: Database, line_id: str, *, note: str | None, actor: str = "", key: str | None = None
) -> Answer:
    """Close a line (关闭额度): refused while anything is held or owed; its whole limit goes
    back to the platform, and spending is refused with ``line_closed`` afterwards."""
    text = parse_note(note, required=True)
    checked = check_key(key, required=True)
    with line_command(db, line_id, checked) as cmd:
        locked, now = cmd.line, cmd.now

        def effect() -> Answer:
            _check_open(locked)
            check_closable(locked.state.balances, line_id)
            # Bring the frozen account to the freezes in force first, then give back the
            # quota an amount freeze keeps too: nothing is left on a closed line.
            swept = new_child_id("lim", line_id)
            normal = locked.moved_to(post_movement(cmd.uow, locked, swept, [], now))
            b = normal.state.balances
            zero = Money.zero(b.currency)
            moved = []
            if b.frozen.is_positive:
                moved.append(
                    Transfer(Account.FROZEN, Account.AVAILABLE, b.frozen, Movement.UNFREEZE)
                )
            if b.limit.is_positive:
                moved.append(
                    Transfer(Account.AVAILABLE, Account.PLATFORM_LIMIT, b.limit, Movement.REDUCE)
                )
            # Temporary quota ends with the line: reopening gives back the permanent limit.
            permanent = permanent_limit(cmd.uow, normal, now)
            for q in cmd.uow.incidents.temporaries_of(line_id):
                if q.status is TemporaryStatus.ACTIVE:
                    cmd.uow.incidents.end_temporary(line_id, q.id, ended_at=now, change_id="")
            cmd.uow.lines.set_line_status(line_id, LineStatus.CLOSED, now)
            closed = replace(normal, state=replace(normal.state, status=LineStatus.CLOSED))
            after, change = apply_limit_change(
                cmd.uow,
                closed,
                zero,
                kind=LimitChangeKind.CLOSE,
                now=now,
                actor=actor,
                note=text,
                reasons=[{"code": "closed", "zh": "额度已关闭", "en": "the line is closed"}],
                detail={"permanent_limit": permanent.format()},
                extra=moved,
            )
            body = change_json(change, after)
            body["status"] = LineStatus.CLOSED.value
            return Answer(body)

        return cmd.run("line.close", {"note": text}, effect)


@retried
def reopen_line(
    db: Database,
    line_id: str,
    *,
    note: str | None,
    limit: str | None = None,
    actor: str = "",
    key: str | None = None,
) -> Answer:
    """Reopen a closed line at ``limit`` (else the limit it had when closed): active when
    its holder meets every prerequisite (R2), else pending activation; refused while the
    party has another open line of the product."""
    text = parse_note(note, required=True)
    checked = check_key(key, required=True)
    if limit is not None:
        Money.parse(limit, field="limit")
    with line_command(db, line_id, checked) as cmd:
        locked, now, uow = cmd.line, cmd.now, cmd.uow
        state = locked.state

        def effect() -> Answer:
            if state.status is not LineStatus.CLOSED:
                reason = Reason(ReasonCode.LINE_NOT_CLOSED, {"line": line_id})
                raise Refused(reason.code.value, reason.message_en, [reason])
            check_no_open_line(state.product, uow.lines.open_line_of(state.party_id, state.product))
            target = _reopen_limit(uow, locked, limit)
            party = uow.parties.get_party(state.party_id)
            status = (
                LineStatus.PENDING_ACTIVATION if missing_prerequisites(party) else LineStatus.ACTIVE
            )
            uow.lines.set_line_status(line_id, status, now)
            opened = replace(locked, state=replace(state, status=status))
            after, change = apply_limit_change(
                uow,
                opened,
                target,
                kind=LimitChangeKind.REOPEN,
                now=now,
                actor=actor,
                note=text,
                reasons=[
                    {"code": "reopened", "zh": "额度已重新开启", "en": "the line is reopened"}
                ],
            )
            body = change_json(change, after)
            body["status"] = status.value
            return Answer(body)

        return cmd.run("line.reopen", {"note": text, "limit": limit}, effect)


def _reopen_limit(uow: UnitOfWork, locked: LockedLine, limit: str | None) -> Money:
    currency = locked.state.currency
    if limit is not None:
        return check_target(Money.parse(limit, currency, field="limit"), currency)
    for change in uow.lines.limit_changes(locked.state.id):
        if change.kind is LimitChangeKind.CLOSE:
            kept = change.detail.get("permanent_limit")
            return change.previous if kept is None else Money.parse(str(kept), currency)
    return Money.zero(currency)


def limit_changes(db: Database, line_id: str, *, limit: int = 100) -> Answer:
    """The line's limit changes, newest first, with its limit now and any pending reduction."""
    with db.transaction(write=False) as uow:
        locked = uow.lines.read_line(line_id)
        b = locked.state.balances
        return Answer(
            {
                "line": line_id,
                "limit": b.limit.format(),
                "limit_target": intended_limit(locked).format(),
                "pending_reduction": pending_reduction(b, locked.state.limit_target).format(),
                "currency": b.currency,
                "changes": [c.to_json() for c in uow.lines.limit_changes(line_id, limit=limit)],
            }
        )
