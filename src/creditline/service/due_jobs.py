"""``run-due``: the jobs that fall due with time: hold and freeze expiry, automatic
confirmation of receipt, splits in their window (a late one deferred to the next opening),
payouts and their retries, dunning, over-long occupancy freezes and late fees, the
calendar horizon alert, and last the lines' alerts (预警). Each line is handled in its own
transaction, so a job can stop and run again without doing anything twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.quota.freezes import Freeze, FreezeReason
from creditline.domain.quota.late_fees import daily_fee, fee_days
from creditline.domain.quota.lines import Occupancy
from creditline.service.idempotency import Answer
from creditline.service.ids import new_child_id
from creditline.service.installments.installment_jobs import run_installments
from creditline.service.quota.alerts import refresh_alerts
from creditline.service.quota.freeze_admin import expire_due_freezes, freeze_json
from creditline.service.quota.line_book import post_movement
from creditline.service.quota.spending import expire_due_holds
from creditline.service.quota.temporary_quota import end_due_temporary_quotas
from creditline.service.settlement.funds import process_payouts
from creditline.service.settlement.order_flow import run_auto_confirm, run_dunning
from creditline.service.settlement.split_runs import defer_late_splits, run_due_splits
from creditline.service.uow import Database, UnitOfWork
from creditline.service.workday_notices import check_calendar_horizon


def _drain(job: Callable[[Database], list[str]], db: Database) -> list[str]:
    done: list[str] = []
    while batch := job(db):
        done.extend(batch)
    return done


def run_due(db: Database) -> Answer:
    expired_holds = _drain(expire_due_holds, db)
    expired_freezes = _drain(expire_due_freezes, db)
    ended_temporary = _drain(end_due_temporary_quotas, db)  # 临时额度到期
    # Confirmed before dunning, so that an order confirmed by the platform is not dunned.
    auto_confirmed = run_auto_confirm(db)
    deferred = defer_late_splits(db)  # a split whose window closed waits for the next one
    splits = run_due_splits(db)
    payouts = process_payouts(db)
    dunning = run_dunning(db)
    frozen, fees = occupancy_jobs(db)
    installments = run_installments(db)  # 分期: late fees, dunning, credit score, freezes
    with db.transaction() as uow:
        alert = check_calendar_horizon(uow)
    alerts = refresh_alerts(db).body  # last: after every job above has moved the lines
    return Answer(
        {
            "expired_holds": expired_holds,
            "expired_freezes": expired_freezes,
            "temporary_quotas_ended": ended_temporary,
            "occupancy_freezes": frozen,
            "late_fees": fees,
            "installments": installments,
            "auto_confirmed": auto_confirmed,
            "splits_deferred": deferred,
            "splits": splits,
            "payouts": payouts,
            "dunning": dunning,
            "calendar_alert": alert,
            "alerts": alerts,
        }
    )


def occupancy_jobs(db: Database) -> tuple[list[str], list[dict[str, Any]]]:
    """Freeze every line with occupancy over the policy limit (R9) and charge late fees."""
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        limit_days = uow.reference.policy(now).integer("occupancy_limit_days")
        lines = uow.lines.lines_with_overdue_occupancy(now - timedelta(days=limit_days))
    frozen: list[str] = []
    fees: list[dict[str, Any]] = []
    for line_id in lines:
        with db.transaction() as uow:
            freeze_id = _freeze_for_occupancy(uow, line_id)
            if freeze_id:
                frozen.append(freeze_id)
            charged = _charge_late_fees(uow, line_id)
            if charged:
                fees.append(charged)
    return frozen, fees


def _overdue(uow: UnitOfWork, line_id: str) -> tuple[int, list[Occupancy]]:
    now = uow.reference.now()
    limit_days = uow.reference.policy(now).integer("occupancy_limit_days")
    limit = timedelta(days=limit_days)
    return limit_days, [
        o for o in uow.holds.open_occupancies(line_id) if now - o.captured_at > limit
    ]


def _freeze_for_occupancy(uow: UnitOfWork, line_id: str) -> str | None:
    locked = uow.lines.lock_line(line_id)
    now = uow.reference.now()
    limit_days, overdue = _overdue(uow, line_id)
    standing = [
        f
        for f in uow.freezes.freezes_of(line_id, active_only=True)
        if f.reason is FreezeReason.OCCUPANCY
    ]
    if not overdue or standing:
        return None
    orders = ", ".join(o.order_id or o.hold_id for o in overdue)
    freeze = Freeze(
        id=new_child_id("frz", line_id),
        line_id=line_id,
        reason=FreezeReason.OCCUPANCY,
        starts_at=now,
        ends_at=None,
        note=f"占用超过{limit_days}天未结清 / occupancy over {limit_days} days: {orders}",
        policy_version=uow.reference.policy(now, locked.policy_seq).version,
    )
    uow.freezes.insert_freeze(freeze, now)
    payload = {**freeze_json(freeze), "orders": [o.order_id for o in overdue]}
    uow.events.emit("freeze.added", payload, now, line_id=line_id)
    uow.events.emit("alert.occupancy_overdue", payload, now, line_id=line_id)
    return freeze.id


def _charge_late_fees(uow: UnitOfWork, line_id: str) -> dict[str, Any] | None:
    locked = uow.lines.lock_line(line_id)
    now = uow.reference.now()
    policy = uow.reference.policy(now, locked.policy_seq)
    rate = policy.rate("late_fee_daily_rate")
    limit_days, overdue = _overdue(uow, line_id)
    through = uow.holds.fees_through(line_id)
    transfers, marks = [], []
    for occ in overdue:
        days, last = fee_days(occ.captured_at, now, limit_days, through.get(occ.id))
        amount = daily_fee(occ.outstanding, rate) * days
        if last is not None:
            marks.append((occ.id, last))
        if amount.is_positive:
            transfers.append(
                Transfer(Account.FEES_DUE, Account.FEE_INCOME, amount, Movement.LATE_FEE, occ.id)
            )
    for occ_id, last in marks:
        uow.holds.set_fees_through(line_id, occ_id, last)
    if not transfers:
        return None
    after = post_movement(uow, locked, new_child_id("fee", line_id), transfers, now)
    body = {
        "line": line_id,
        "charged": Money.total((t.amount for t in transfers), locked.state.currency).format(),
        "fees_due": after.balances.fees_due.format(),
        "rate": str(rate),
        "policy_version": policy.version,
    }
    uow.events.emit("late_fee.charged", body, now, line_id=line_id)
    return body
