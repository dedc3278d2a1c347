"""Temporary quota (临时额度): granted by an operator or on closing an incident, spent before the
permanent limit, and ended by a due job when its time is up.

A grant raises the line's limit target by its amount (``apply_limit_change``, kind
``temporary``); the end lowers it by the same amount (kind ``temporary_end``), never below what
is used: the rest of the reduction waits and is swept as quota frees, as for every lowered
limit. Until then ``why`` lists ``limit_reduced`` with the texts of ``end_reasons``: the
temporary quota ended as planned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.money import Money
from creditline.domain.quota.incidents import (
    END_RESTORE,
    TemporaryQuota,
    TemporaryStatus,
    check_days,
    end_reasons,
    fault_texts,
    grant_reasons,
    temporary_left,
)
from creditline.domain.quota.limits import LimitChangeKind, parse_note
from creditline.domain.quota.lines import LineStatus, require_positive
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.workdays import iso_local, local_text
from creditline.service.idempotency import Answer, check_key, retried
from creditline.service.ids import new_child_id
from creditline.service.quota.limit_admin import apply_limit_change, intended_limit
from creditline.service.quota.line_book import balances_json
from creditline.service.quota.line_command import line_command
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import Database, UnitOfWork

#: The source of a temporary quota granted by an operator without an incident.
OPERATOR = "operator"


def check_open(locked: LockedLine) -> None:
    """A closed line gets no temporary quota (``line_closed``)."""
    if locked.state.status is LineStatus.CLOSED:
        reason = Reason(ReasonCode.LINE_CLOSED, {"line": locked.state.id})
        raise Refused(reason.code.value, reason.message_en, [reason])


def grant_on_line(
    uow: UnitOfWork,
    locked: LockedLine,
    amount: Money,
    days: int,
    *,
    now: datetime,
    source: str,
    note: str,
    actor: str,
    field: str = "amount",
) -> dict[str, Any]:
    """Raise the locked line's limit by ``amount`` for ``days`` days and record the temporary
    quota; inside the caller's transaction. At most the policy's ``temporary_quota_max``: a
    grant is not a way round the limit decisions of role risk."""
    line_id = locked.state.id
    cap = uow.reference.policy(now, locked.policy_seq).money(
        "temporary_quota_max", locked.state.currency
    )
    if amount > cap:
        raise InvalidInput(
            field, f"a temporary quota is at most {cap.format()} (policy temporary_quota_max)"
        )
    ends_at = now + timedelta(days=days)
    quota_id = new_child_id("tq", line_id)
    after, change = apply_limit_change(
        uow,
        locked,
        intended_limit(locked) + amount,
        kind=LimitChangeKind.TEMPORARY,
        now=now,
        actor=actor,
        source=source if source != OPERATOR else quota_id,
        note=note,
        reasons=grant_reasons(amount, ends_at, source),
        detail={"temporary_quota": quota_id, "ends_at": iso_local(ends_at)},
    )
    quota = TemporaryQuota(
        line_id=line_id,
        id=quota_id,
        amount=amount,
        starts_at=now,
        ends_at=ends_at,
        source=source,
        note=note,
        actor=actor,
        grant_change=change.id,
    )
    uow.incidents.insert_temporary(quota)
    body = {**quota.to_json(), "balances": balances_json(after.state.balances)}
    uow.events.emit("temporary_quota.granted", body, now, line_id=line_id)
    return body


@retried
def grant_temporary_quota(
    db: Database,
    line_id: str,
    *,
    amount: str,
    days: int | None,
    note: str | None,
    actor: str = "",
    key: str | None = None,
) -> Answer:
    """An operator grants a line a temporary quota (临时额度) of ``amount`` for ``days`` days."""
    Money.parse(amount, field="amount")
    count = check_days(days)
    text = parse_note(note, required=True)
    checked = check_key(key, required=True)
    with line_command(db, line_id, checked) as cmd:
        money = require_positive(Money.parse(amount, cmd.line.state.currency, field="amount"))

        def effect() -> Answer:
            check_open(cmd.line)
            body = grant_on_line(
                cmd.uow,
                cmd.line,
                money,
                count,
                now=cmd.now,
                source=OPERATOR,
                note=text,
                actor=actor,
            )
            return Answer(body)

        params = {"amount": amount, "days": count, "note": text}
        return cmd.run("temporary_quota.grant", params, effect)


def temporary_quota(db: Database, line_id: str) -> Answer:
    """The line's temporary quotas, active first then past, each with its amount, what of it is
    spent and what remains (the used quota takes temporary quota first), and when it ends; and
    the open incidents over the line, with what the holder is told about them."""
    with db.transaction(write=False) as uow:
        locked = uow.lines.read_line(line_id)  # NotFound for a line that does not exist
        now = uow.reference.now()
        quotas = uow.incidents.temporaries_of(line_id)
        incidents = uow.incidents.open_incidents_of(line_id)
    b = locked.state.balances
    zero = Money.zero(b.currency)
    used = b.held + b.occupied
    left = temporary_left(quotas, used)
    active, past = [], []
    for q in quotas:
        item = q.to_json()
        if q.status is TemporaryStatus.ACTIVE:
            spent, remaining = left.get(q.id, (zero, q.amount))
            item.update(spent=spent.format(), remaining=remaining.format(), due=q.ends_at <= now)
            active.append(item)
        else:
            item.update(spent=None, remaining=zero.format(), due=False)
            past.append(item)
    active.sort(key=lambda i: (i["ends_at"], i["id"]))
    temporary = Money.total((q.amount for q in quotas if q.id in left), b.currency)
    remaining = Money.total((r for _, r in left.values()), b.currency)
    target = intended_limit(locked)
    return Answer(
        {
            "line": line_id,
            "currency": b.currency,
            "limit": target.format(),
            "permanent_limit": (target - temporary).max(zero).format(),
            "temporary_amount": temporary.format(),
            "temporary_remaining": remaining.format(),
            "used": used.format(),
            "active": active,
            "past": past,
            "incidents": [
                _incident_notice(i.id, i.title, i.opened_at, i.estimated_clear_at, now)
                for i in incidents
            ],
        }
    )


def _incident_notice(
    incident_id: str, title: str, opened_at: datetime, estimate: datetime | None, now: datetime
) -> dict[str, Any]:
    """What the holder of a line under an open incident is told: the platform is at fault."""
    zh, en = fault_texts(estimate, now)
    return {
        "id": incident_id,
        "title": title,
        "opened_at": iso_local(opened_at),
        "estimated_clear_at": iso_local(estimate) if estimate else None,
        "estimate_local": local_text(estimate) if estimate else None,
        "message_zh": f"额度因平台系统故障暂时冻结（{title}）：{zh}",
        "message_en": f"the line is frozen for a platform fault ({title}): {en}",
    }


def end_due_temporary_quotas(db: Database, *, batch: int = 500) -> list[str]:
    """End each active temporary quota past its end, each line in its own transaction: the
    limit comes down by its amount, never below what is used."""
    with db.transaction(write=False) as uow:
        due = uow.incidents.due_temporaries(uow.reference.now(), batch)
    ended: list[str] = []
    for line_id, quota_id in due:
        with db.transaction() as uow:
            locked = uow.lines.lock_line(line_id)
            now = uow.reference.now()
            quota = next(
                (q for q in uow.incidents.temporaries_of(line_id) if q.id == quota_id), None
            )
            if quota is None or quota.status is not TemporaryStatus.ACTIVE or quota.ends_at > now:
                continue
            change_id, balances = "", balances_json(locked.state.balances)
            if locked.state.status is not LineStatus.CLOSED:  # a closed line's limit is 0 already
                target = (intended_limit(locked) - quota.amount).max(
                    Money.zero(quota.amount.currency)
                )
                after, change = apply_limit_change(
                    uow,
                    locked,
                    target,
                    kind=LimitChangeKind.TEMPORARY_END,
                    now=now,
                    source=quota.id,
                    note=quota.note,
                    reasons=end_reasons(quota),
                    restore=END_RESTORE,
                    detail={"temporary_quota": quota.id, "incident": quota.source},
                )
                change_id, balances = change.id, balances_json(after.state.balances)
            uow.incidents.end_temporary(line_id, quota_id, ended_at=now, change_id=change_id)
            body = {
                **quota.to_json(),
                "status": TemporaryStatus.ENDED.value,
                "ended_at": iso_local(now),
                "end_change": change_id,
                "balances": balances,
            }
            uow.events.emit("temporary_quota.ended", body, now, line_id=line_id)
            ended.append(quota_id)
    return ended
