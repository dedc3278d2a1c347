"""Use cases of the spend flow (额度支付): authorise, capture, void, refund, repay, expire."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.quota.evaluation import evaluate
from creditline.domain.quota.freezes import FreezeReason, FreezeStatus
from creditline.domain.quota.lines import (
    Hold,
    HoldStatus,
    Occupancy,
    allocate_repayment,
    authorize_transfers,
    capture_transfers,
    check_refund,
    check_repayment,
    release_transfers,
    require_positive,
)
from creditline.domain.quota.purposes import parse_purpose
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.risk.rules import Event, Outcome
from creditline.service.idempotency import Answer, check_key, retried, run_once
from creditline.service.ids import line_of, new_child_id
from creditline.service.quota.posting import balances_json, post_movement, spend_context
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.risk.scoring import (
    apply_actions,
    assess_spend,
    counters_after,
    holder_reasons,
    quiet_verdict,
    record,
    review_pending,
    review_warning,
    verdict_json,
)
from creditline.service.uow import Database, UnitOfWork

MAX_REF_LENGTH = 64


def check_ref(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if not value or len(value) > MAX_REF_LENGTH or not value.isprintable():
        raise InvalidInput(field, f"{field} must be 1 to {MAX_REF_LENGTH} printable characters")
    return value


def hold_json(hold: Hold, balances: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": hold.id,
        "line": hold.line_id,
        "status": hold.status.value,
        "amount": hold.amount.format(),
        "currency": hold.amount.currency,
        "purpose": hold.purpose.value,
        "order": hold.order_id,
        "captured": Money(hold.captured, hold.amount.currency).format(),
        "refunded": Money(hold.refunded, hold.amount.currency).format(),
        "expires_at": hold.expires_at.isoformat(),
    }
    if balances is not None:
        body["balances"] = balances
    return body


@retried
def authorize(
    db: Database,
    line_id: str,
    *,
    amount: str,
    purpose: str,
    key: str | None,
    order: str | None = None,
    counterparty: str | None = None,
) -> Answer:
    """Hold quota for a spend, or decline it with every reason (R4-R7, R9, R14)."""
    spend_purpose = parse_purpose(purpose)
    checked_key = check_key(key, required=True)
    Money.parse(amount)  # shape first, before any I/O
    order = check_ref(order, "order")
    counterparty = check_ref(counterparty, "counterparty")
    params = {"amount": amount, "purpose": purpose, "order": order, "counterparty": counterparty}
    with db.transaction() as uow:
        locked = uow.lines.lock_line(line_id, checked_key)
        money = require_positive(Money.parse(amount, locked.state.currency))
        now = uow.reference.now()

        def effect() -> Answer:
            policy = uow.reference.policy(now, locked.policy_seq)
            ctx = spend_context(
                uow,
                locked,
                amount=money,
                purpose=spend_purpose,
                now=now,
                policy=policy,
                full=False,
            )
            reasons = evaluate(ctx)
            verdict, features = assess_spend(uow, locked, ctx, counterparty)
            reasons = [*reasons, *holder_reasons(verdict)]
            in_review = not reasons and verdict.outcome is Outcome.REVIEW
            hold = Hold(
                id=new_child_id("hold", line_id),
                line_id=line_id,
                amount=money,
                purpose=spend_purpose,
                status=HoldStatus.DECLINED if reasons else HoldStatus.AUTHORIZED,
                expires_at=now + policy.hold_timeout,
                order_id=order,
            )
            reasons_json = [r.to_json() for r in reasons]
            if reasons:
                body = hold_json(hold)
                body["expires_at"] = None
            else:
                balances = post_movement(
                    uow, locked, hold.id, authorize_transfers(money, hold.id), now
                )
                body = hold_json(hold, balances_json(balances))
            # An approval keeps its verdict (score, the rules that fired, the features) on the
            # hold row; a decline or a review is a risk decision of its own (queue, why, labels).
            quiet = verdict.outcome is Outcome.APPROVE and not reasons
            uow.holds.insert_hold(
                hold,
                counterparty=counterparty,
                reasons=reasons_json,
                policy_version=policy.version,
                now=now,
                risk_features=quiet_verdict(verdict, features) if quiet else None,
                rule_set_version=verdict.rule_set_version,
                counters=counters_after(features, amount=money.minor, declined=bool(reasons)),
            )
            decision = None
            if not quiet:
                decision = record(
                    uow,
                    party_id=locked.state.party_id,
                    line_id=line_id,
                    event=Event.SPEND,
                    subject=hold.id,
                    amount=money.minor,
                    verdict=verdict,
                    features=features,
                    policy_version=policy.version,
                    review=in_review,
                    now=now,
                )
            body["risk"] = verdict_json(verdict, decision)
            if verdict.outcome is Outcome.DECLINE and decision is not None:
                body["risk"]["action"] = apply_actions(
                    uow, locked, verdict, decision, policy_version=policy.version, now=now
                )
            if in_review:
                body["status"] = "review"
                warning = review_warning(verdict)
                body["risk"]["notice"] = None if warning is None else warning.to_json()
            body["reasons"] = reasons_json
            body["policy_version"] = policy.version
            return Answer(body, refused=bool(reasons))

        return run_once(
            uow,
            scope=line_id,
            key=checked_key,
            command="spend.authorize",
            params=params,
            effect=effect,
            now=now,
            locked=locked,
        )


@retried
def capture(db: Database, hold_id: str, *, amount: str | None, key: str | None) -> Answer:
    """Capture all or part of a hold: it becomes occupancy (占用); the rest is released."""
    line_id = line_of(hold_id, field="hold")
    checked_key = check_key(key, required=True)
    if amount is not None:
        Money.parse(amount)
    with db.transaction() as uow:
        locked = uow.lines.lock_line(line_id, checked_key)
        hold = uow.holds.get_hold(line_id, hold_id)
        take = None if amount is None else Money.parse(amount, locked.state.currency)
        now = uow.reference.now()

        def effect() -> Answer:
            if hold.status is HoldStatus.AUTHORIZED and review_pending(uow, hold.id):
                reason = Reason(ReasonCode.REVIEW_PENDING)
                raise Refused(reason.code.value, reason.message_en, [reason])
            transfers = capture_transfers(hold, take, now)
            captured = transfers[0].amount
            balances = post_movement(uow, locked, f"{hold.id}:capture", transfers, now)
            uow.holds.update_hold(
                line_id,
                hold.id,
                status=HoldStatus.CAPTURED,
                captured=captured.minor,
                refunded=0,
                now=now,
            )
            occ = Occupancy(
                id=new_child_id("occ", line_id),
                hold_id=hold.id,
                order_id=hold.order_id,
                outstanding=captured.minor,
                captured_at=now,
            )
            uow.holds.insert_occupancy(line_id, occ, captured.minor)
            return Answer(hold_json(uow.holds.get_hold(line_id, hold_id), balances_json(balances)))

        return run_once(
            uow,
            scope=line_id,
            key=checked_key,
            command="spend.capture",
            params={"hold": hold_id, "amount": amount},
            effect=effect,
            now=now,
            locked=locked,
        )


def _release(
    uow: UnitOfWork,
    *,
    locked: LockedLine,
    hold: Hold,
    movement: Movement,
    status: HoldStatus,
    now: datetime,
) -> dict[str, Any]:
    balances = post_movement(
        uow, locked, f"{hold.id}:{movement.value}", release_transfers(hold, movement), now
    )
    uow.holds.update_hold(hold.line_id, hold.id, status=status, captured=0, refunded=0, now=now)
    return balances_json(balances)


@retried
def void(db: Database, hold_id: str, *, key: str | None) -> Answer:
    """Void an uncaptured hold: the whole amount is available again."""
    line_id = line_of(hold_id, field="hold")
    checked_key = check_key(key, required=True)
    with db.transaction() as uow:
        locked = uow.lines.lock_line(line_id, checked_key)
        hold = uow.holds.get_hold(line_id, hold_id)
        now = uow.reference.now()

        def effect() -> Answer:
            hold.check_open(now)
            balances = _release(
                uow,
                locked=locked,
                hold=hold,
                movement=Movement.VOID,
                status=HoldStatus.VOIDED,
                now=now,
            )
            return Answer(hold_json(uow.holds.get_hold(line_id, hold_id), balances))

        return run_once(
            uow,
            scope=line_id,
            key=checked_key,
            command="spend.void",
            params={"hold": hold_id},
            effect=effect,
            now=now,
            locked=locked,
        )


@retried
def refund(db: Database, hold_id: str, *, amount: str, key: str | None) -> Answer:
    """Refund (退款) part or all of a captured spend: its occupancy is released."""
    line_id = line_of(hold_id, field="hold")
    checked_key = check_key(key, required=True)
    Money.parse(amount)
    with db.transaction() as uow:
        locked = uow.lines.lock_line(line_id, checked_key)
        hold = uow.holds.get_hold(line_id, hold_id)
        money = Money.parse(amount, locked.state.currency)
        now = uow.reference.now()

        def effect() -> Answer:
            occ = uow.holds.occupancy_of_hold(line_id, hold_id)
            check_refund(hold, money, 0 if occ is None else occ.outstanding)
            assert occ is not None  # check_refund refuses when nothing is outstanding
            transfers = [
                Transfer(Account.OCCUPIED, Account.AVAILABLE, money, Movement.REFUND, occ.id)
            ]
            balances = post_movement(
                uow, locked, f"{hold.id}:refund:{hold.refunded + money.minor}", transfers, now
            )
            uow.holds.reduce_occupancy(line_id, occ.id, money.minor)
            uow.holds.update_hold(
                line_id,
                hold.id,
                status=hold.status,
                captured=hold.captured,
                refunded=hold.refunded + money.minor,
                now=now,
            )
            lift_settled_occupancy_freezes(uow, line_id, now)
            return Answer(hold_json(uow.holds.get_hold(line_id, hold_id), balances_json(balances)))

        return run_once(
            uow,
            scope=line_id,
            key=checked_key,
            command="spend.refund",
            params={"hold": hold_id, "amount": amount},
            effect=effect,
            now=now,
            locked=locked,
        )


@retried
def repay(db: Database, line_id: str, *, amount: str, key: str | None) -> Answer:
    """Repay occupied quota (还款), oldest occupancy first; the quota is available again, and
    an over-long-occupancy freeze lifts by itself once nothing overdue is left."""
    checked_key = check_key(key, required=True)
    Money.parse(amount)
    with db.transaction() as uow:
        locked = uow.lines.lock_line(line_id, checked_key)
        money = Money.parse(amount, locked.state.currency)
        now = uow.reference.now()

        def effect() -> Answer:
            check_repayment(money, locked.state)
            return Answer(repay_in(uow, locked, money, now))

        return run_once(
            uow,
            scope=line_id,
            key=checked_key,
            command="repay",
            params={"amount": amount},
            effect=effect,
            now=now,
            locked=locked,
        )


def repay_in(uow: UnitOfWork, locked: LockedLine, money: Money, now: datetime) -> dict[str, Any]:
    """Repay ``money`` of the locked line's occupancy, oldest first, inside the caller's
    transaction: from a holder's repayment or from split settlement (分账)."""
    line_id = locked.state.id
    parts = allocate_repayment(money.minor, uow.holds.open_occupancies(line_id))
    movement_id = new_child_id("rep", line_id)
    transfers = [
        Transfer(
            Account.OCCUPIED, Account.AVAILABLE, Money(part, money.currency), Movement.REPAY, occ_id
        )
        for occ_id, part in parts
    ]
    balances = post_movement(uow, locked, movement_id, transfers, now)
    for occ_id, part in parts:
        uow.holds.reduce_occupancy(line_id, occ_id, part)
    lifted = lift_settled_occupancy_freezes(uow, line_id, now)
    return {
        "id": movement_id,
        "line": line_id,
        "amount": money.format(),
        "allocations": [
            {"occupancy": occ_id, "amount": Money(part, money.currency).format()}
            for occ_id, part in parts
        ],
        "lifted_freezes": lifted,
        "balances": balances_json(balances),
    }


def lift_settled_occupancy_freezes(uow: UnitOfWork, line_id: str, now: datetime) -> list[str]:
    """Lift the line's occupancy freezes when no occupancy is over the policy limit any more."""
    freezes = [
        f
        for f in uow.freezes.freezes_of(line_id, active_only=True)
        if f.reason is FreezeReason.OCCUPANCY
    ]
    if not freezes:
        return []
    limit = timedelta(days=uow.reference.policy(now).integer("occupancy_limit_days"))
    if any(now - o.captured_at > limit for o in uow.holds.open_occupancies(line_id)):
        return []
    for f in freezes:
        uow.freezes.close_freeze(
            line_id, f.id, FreezeStatus.LIFTED, "overdue occupancy repaid", now
        )
        uow.events.emit(
            "freeze.lifted",
            {"freeze": f.id, "reason": f.reason.value, "by": "repayment"},
            now,
            line_id=line_id,
        )
    return [f.id for f in freezes]


def expire_due_holds(db: Database, *, batch: int = 500) -> list[str]:
    """Release every authorised hold past its expiry; one transaction per hold's line."""
    with db.transaction(write=False) as uow:
        due = uow.holds.due_holds(uow.reference.now(), batch)
    expired: list[str] = []
    for line_id, hold_id in due:
        with db.transaction() as uow:
            locked = uow.lines.lock_line(line_id)
            hold = uow.holds.get_hold(line_id, hold_id)
            now = uow.reference.now()
            if hold.is_expired(now):
                _release(
                    uow,
                    locked=locked,
                    hold=hold,
                    movement=Movement.EXPIRE,
                    status=HoldStatus.EXPIRED,
                    now=now,
                )
                expired.append(hold_id)
    return expired
