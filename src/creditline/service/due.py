"""``run-due``: the jobs that fall due with time: hold and freeze expiry, splits in their
window, payouts and their retries, dunning, over-long occupancy freezes and late fees, the
calendar horizon alert. Each line is handled in its own
transaction, so a job can stop and run again without doing anything twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from creditline.domain.fees import daily_fee, fee_days
from creditline.domain.freezes import Freeze, FreezeReason
from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import Money
from creditline.service.calendar import check_calendar_horizon
from creditline.service.context import post_movement
from creditline.service.freezes import expire_due_freezes, freeze_json
from creditline.service.funds import process_payouts
from creditline.service.idempotency import Answer
from creditline.service.ids import new_child_id
from creditline.service.orders import run_dunning
from creditline.service.ports import Database, Store
from creditline.service.spending import expire_due_holds
from creditline.service.splits import run_due_splits


def _drain(job: Callable[[Database], list[str]], db: Database) -> list[str]:
    done: list[str] = []
    while batch := job(db):
        done.extend(batch)
    return done


def run_due(db: Database) -> Answer:
    expired_holds = _drain(expire_due_holds, db)
    expired_freezes = _drain(expire_due_freezes, db)
    splits = run_due_splits(db)
    payouts = process_payouts(db)
    dunning = run_dunning(db)
    frozen, fees = occupancy_jobs(db)
    with db.transaction() as store:
        alert = check_calendar_horizon(store)
    return Answer(
        {
            "expired_holds": expired_holds,
            "expired_freezes": expired_freezes,
            "occupancy_freezes": frozen,
            "late_fees": fees,
            "splits": splits,
            "payouts": payouts,
            "dunning": dunning,
            "calendar_alert": alert,
        }
    )


def occupancy_jobs(db: Database) -> tuple[list[str], list[dict[str, Any]]]:
    """Freeze every line with occupancy over the policy limit (R9) and charge late fees."""
    with db.transaction(write=False) as store:
        now = store.now()
        limit_days = store.policy(now).integer("occupancy_limit_days")
        lines = store.lines_with_overdue_occupancy(now - timedelta(days=limit_days))
    frozen: list[str] = []
    fees: list[dict[str, Any]] = []
    for line_id in lines:
        with db.transaction() as store:
            freeze_id = _freeze_for_occupancy(store, line_id)
            if freeze_id:
                frozen.append(freeze_id)
            charged = _charge_late_fees(store, line_id)
            if charged:
                fees.append(charged)
    return frozen, fees


def _overdue(store: Store, line_id: str) -> tuple[int, list[Any]]:
    now = store.now()
    limit_days = store.policy(now).integer("occupancy_limit_days")
    limit = timedelta(days=limit_days)
    return limit_days, [o for o in store.open_occupancies(line_id) if now - o.captured_at > limit]


def _freeze_for_occupancy(store: Store, line_id: str) -> str | None:
    locked = store.lock_line(line_id)
    now = store.now()
    limit_days, overdue = _overdue(store, line_id)
    standing = [
        f for f in store.freezes_of(line_id, active_only=True) if f.reason is FreezeReason.OCCUPANCY
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
        policy_version=store.policy(now, locked.policy_seq).version,
    )
    store.insert_freeze(freeze, now)
    payload = {**freeze_json(freeze), "orders": [o.order_id for o in overdue]}
    store.emit("freeze.added", payload, now, line_id=line_id)
    store.emit("alert.occupancy_overdue", payload, now, line_id=line_id)
    return freeze.id


def _charge_late_fees(store: Store, line_id: str) -> dict[str, Any] | None:
    locked = store.lock_line(line_id)
    now = store.now()
    policy = store.policy(now, locked.policy_seq)
    rate = policy.rate("late_fee_daily_rate")
    limit_days, overdue = _overdue(store, line_id)
    through = store.fees_through(line_id)
    currency = locked.state.currency
    transfers, marks = [], []
    for occ in overdue:
        days, last = fee_days(occ.captured_at, now, limit_days, through.get(occ.id))
        amount = daily_fee(occ.outstanding, rate) * days
        if last is not None:
            marks.append((occ.id, last))
        if amount > 0:
            transfers.append(
                Transfer(
                    Account.FEES_DUE,
                    Account.FEE_INCOME,
                    Money(amount, currency),
                    Movement.LATE_FEE,
                    occ.id,
                )
            )
    for occ_id, last in marks:
        store.set_fees_through(line_id, occ_id, last)
    if not transfers:
        return None
    balances = post_movement(store, locked, new_child_id("fee", line_id), transfers, now)
    body = {
        "line": line_id,
        "charged": Money(sum(t.amount.minor for t in transfers), currency).format(),
        "fees_due": Money(balances.fees_due, currency).format(),
        "rate": str(rate),
        "policy_version": policy.version,
    }
    store.emit("late_fee.charged", body, now, line_id=line_id)
    return body
