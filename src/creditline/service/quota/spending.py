"""Use cases of the spend flow (额度支付): authorise, capture, void, refund, repay, expire."""

from __future__ import annotations

from creditline.domain.errors import Refused
from creditline.domain.ledger import Movement
from creditline.domain.money import Money
from creditline.domain.quota.evaluation import evaluate
from creditline.domain.quota.lines import (
    Hold,
    HoldStatus,
    Occupancy,
    authorize_transfers,
    capture_transfers,
    check_refund,
    check_repayment,
    refund_transfers,
    require_positive,
)
from creditline.domain.quota.purposes import Purpose, parse_purpose
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.risk.rules import Event, Outcome
from creditline.domain.text import printable_text
from creditline.service.idempotency import Answer, check_key, retried
from creditline.service.ids import line_of, new_child_id
from creditline.service.quota.holds import hold_json, release_hold
from creditline.service.quota.line_book import balances_json, post_movement
from creditline.service.quota.line_command import LineCommand, line_command
from creditline.service.quota.repayment import (
    lift_settled_occupancy_freezes,
    repay_line,
    repayable,
)
from creditline.service.quota.spend_state import spend_context
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
from creditline.service.uow import Database

MAX_REF_LENGTH = 64


def _ref(value: str | None, field: str) -> str | None:
    return None if value is None else printable_text(value, field, max_length=MAX_REF_LENGTH)


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
    order = _ref(order, "order")
    counterparty = _ref(counterparty, "counterparty")
    params = {"amount": amount, "purpose": purpose, "order": order, "counterparty": counterparty}
    with line_command(db, line_id, checked_key, spend=True) as cmd:
        money = require_positive(cmd.amount(amount))

        def effect() -> Answer:
            return hold_spend(cmd, money, spend_purpose, order, counterparty)

        return cmd.run("spend.authorize", params, effect)


def hold_spend(
    cmd: LineCommand, money: Money, purpose: Purpose, order: str | None, counterparty: str | None
) -> Answer:
    """Evaluate the spend and score it; hold the quota only if nothing refuses it (inside the
    command's transaction: an installment purchase holds and captures in one)."""
    uow, locked, now, line_id = cmd.uow, cmd.line, cmd.now, cmd.line.state.id
    policy = uow.reference.policy(now, locked.policy_seq)
    ctx = spend_context(
        uow, locked, amount=money, purpose=purpose, now=now, policy=policy, full=False
    )
    verdict, features = assess_spend(uow, locked, ctx, counterparty)
    refusals = evaluate(ctx)
    reasons = [*refusals, *holder_reasons(verdict)]
    in_review = not reasons and verdict.outcome is Outcome.REVIEW
    nothing = Money.zero(money.currency)
    hold = Hold(
        id=new_child_id("hold", line_id),
        line_id=line_id,
        amount=money,
        purpose=purpose,
        status=HoldStatus.DECLINED if reasons else HoldStatus.AUTHORIZED,
        expires_at=now + policy.hold_timeout,
        order_id=order,
        captured=nothing,
        refunded=nothing,
    )
    reasons_json = [r.to_json() for r in reasons]
    if reasons:
        body = hold_json(hold)
        body["expires_at"] = None
    else:
        after = post_movement(uow, locked, hold.id, authorize_transfers(money, hold.id), now)
        body = hold_json(hold, balances_json(after.balances))
    # An approval keeps its verdict (score, the rules that fired, the features) on the hold
    # row; a decline or a review is a risk decision of its own (queue, why, labels).
    quiet = verdict.outcome is Outcome.APPROVE and not reasons
    uow.holds.insert_hold(
        hold,
        counterparty=counterparty,
        reasons=reasons_json,
        policy_version=policy.version,
        now=now,
        risk_features=quiet_verdict(verdict, features) if quiet else None,
        rule_set_version=verdict.rule_set_version,
        counters=counters_after(
            features, amount=money.minor, declined=bool(reasons), refused=bool(refusals)
        ),
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


@retried
def capture(db: Database, hold_id: str, *, amount: str | None, key: str | None) -> Answer:
    """Capture all or part of a hold: it becomes occupancy (占用); the rest is released."""
    line_id = line_of(hold_id, field="hold")
    checked_key = check_key(key, required=True)
    if amount is not None:
        Money.parse(amount)
    with line_command(db, line_id, checked_key) as cmd:
        uow, now = cmd.uow, cmd.now
        hold = uow.holds.get_hold(line_id, hold_id)
        take = None if amount is None else cmd.amount(amount)

        def effect() -> Answer:
            if hold.status is HoldStatus.AUTHORIZED and review_pending(uow, hold.id):
                reason = Reason(ReasonCode.REVIEW_PENDING)
                raise Refused(reason.code.value, reason.message_en, [reason])
            transfers = capture_transfers(hold, take, now)
            captured = transfers[0].amount
            after = post_movement(uow, cmd.line, f"{hold.id}:capture", transfers, now)
            uow.holds.update_hold(
                line_id,
                hold.id,
                status=HoldStatus.CAPTURED,
                captured=captured,
                refunded=Money.zero(captured.currency),
                now=now,
            )
            occupancy = Occupancy(
                id=new_child_id("occ", line_id),
                hold_id=hold.id,
                order_id=hold.order_id,
                outstanding=captured,
                captured_at=now,
            )
            uow.holds.insert_occupancy(line_id, occupancy)
            captured_hold = uow.holds.get_hold(line_id, hold_id)
            return Answer(hold_json(captured_hold, balances_json(after.balances)))

        return cmd.run("spend.capture", {"hold": hold_id, "amount": amount}, effect)


@retried
def void(db: Database, hold_id: str, *, key: str | None) -> Answer:
    """Void an uncaptured hold: the whole amount is available again."""
    line_id = line_of(hold_id, field="hold")
    checked_key = check_key(key, required=True)
    with line_command(db, line_id, checked_key) as cmd:
        hold = cmd.uow.holds.get_hold(line_id, hold_id)

        def effect() -> Answer:
            hold.check_open(cmd.now)
            after = release_hold(
                cmd.uow,
                cmd.line,
                hold,
                movement=Movement.VOID,
                status=HoldStatus.VOIDED,
                now=cmd.now,
            )
            voided = cmd.uow.holds.get_hold(line_id, hold_id)
            return Answer(hold_json(voided, balances_json(after.balances)))

        return cmd.run("spend.void", {"hold": hold_id}, effect)


@retried
def refund(db: Database, hold_id: str, *, amount: str, key: str | None) -> Answer:
    """Refund (退款) part or all of a captured spend: its occupancy is released."""
    line_id = line_of(hold_id, field="hold")
    checked_key = check_key(key, required=True)
    Money.parse(amount)
    with line_command(db, line_id, checked_key) as cmd:
        uow, now = cmd.uow, cmd.now
        hold = uow.holds.get_hold(line_id, hold_id)
        money = cmd.amount(amount)

        def effect() -> Answer:
            occupancy = uow.holds.occupancy_of_hold(line_id, hold_id)
            nothing = Money.zero(money.currency)
            check_refund(hold, money, nothing if occupancy is None else occupancy.outstanding)
            assert occupancy is not None  # check_refund refuses when nothing is outstanding
            refunded = hold.refunded + money
            after = post_movement(
                uow,
                cmd.line,
                f"{hold.id}:refund:{refunded.minor}",
                refund_transfers(occupancy, money),
                now,
            )
            uow.holds.reduce_occupancy(line_id, occupancy.id, money)
            uow.holds.update_hold(
                line_id,
                hold.id,
                status=hold.status,
                captured=hold.captured,
                refunded=refunded,
                now=now,
            )
            lift_settled_occupancy_freezes(uow, line_id, now)
            refunded_hold = uow.holds.get_hold(line_id, hold_id)
            return Answer(hold_json(refunded_hold, balances_json(after.balances)))

        return cmd.run("spend.refund", {"hold": hold_id, "amount": amount}, effect)


@retried
def repay(db: Database, line_id: str, *, amount: str, key: str | None) -> Answer:
    """Repay what the line owes (还款): occupancy oldest first, then late fees (滞纳金); the
    quota is available again, and an over-long-occupancy freeze lifts by itself once nothing
    overdue is left. Only more than occupancy and fees together is refused."""
    checked_key = check_key(key, required=True)
    Money.parse(amount)
    with line_command(db, line_id, checked_key) as cmd:
        money = cmd.amount(amount)

        def effect() -> Answer:
            check_repayment(money, cmd.line.state, repayable(cmd.uow, cmd.line))
            return Answer(repay_line(cmd.uow, cmd.line, money, cmd.now).to_json(money))

        return cmd.run("repay", {"amount": amount}, effect)


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
                release_hold(
                    uow, locked, hold, movement=Movement.EXPIRE, status=HoldStatus.EXPIRED, now=now
                )
                expired.append(hold_id)
    return expired
