"""Installment purchases (分期购): buy in 3, 6 or 12 periods, repay, return.

A purchase is a spend like any other first: the same evaluation (purpose, quota, freezes, the
risk score) holds the quota, and only then is it captured whole and the plan made, in the same
transaction under the line's lock. The whole purchase occupies quota at once; each principal
repaid gives its quota back. The merchant's order is made paid in the same transaction and is
settled by the usual split (分账), the merchant's promotion fee (商家贴息) taken there.
"""

from __future__ import annotations

from decimal import Decimal

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.installments.plans import Period, Plan, PlanStatus, repay
from creditline.domain.installments.returns import give_back
from creditline.domain.installments.schedule import (
    annual_rate,
    build_schedule,
    parse_periods,
    period_fees,
    total_fee,
)
from creditline.domain.ledger import Movement
from creditline.domain.money import Money
from creditline.domain.policy import Policy
from creditline.domain.quota.lines import HoldStatus, capture_transfers, require_positive
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product, Purpose
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.settlement.orders import Order, OrderState, parse_order_id
from creditline.domain.text import printable_text
from creditline.domain.workdays import local_date
from creditline.service.idempotency import Answer, check_key, retried
from creditline.service.ids import line_of, new_child_id
from creditline.service.installments.ledger_moves import fee_charge, moves_transfers, post_plan
from creditline.service.installments.overdue import catch_up, lift_if_clear
from creditline.service.installments.plan_views import shown
from creditline.service.quota.holds import release_hold
from creditline.service.quota.line_book import balances_json
from creditline.service.quota.line_command import LineCommand, line_command
from creditline.service.quota.spending import hold_spend
from creditline.service.settlement.order_flow import order_json, return_goods
from creditline.service.uow import Database

#: The events a plan's end sends, by the status it ends in.
_ENDED = {PlanStatus.SETTLED: "installment.settled", PlanStatus.PAID_OFF: "installment.paid_off"}


def fee_rate(policy: Policy, periods: int) -> str:
    """The policy's fee rate per period for ``periods`` (as exact text)."""
    return policy.raw(f"installment_fee_rate_{periods}")


@retried
def purchase_installment(
    db: Database,
    line_id: str,
    *,
    merchant: str,
    order: str,
    amount: str,
    periods: int | str,
    promotion: str | None = None,
    key: str | None,
) -> Answer:
    """Buy ``amount`` from ``merchant`` (order ``order``) in ``periods`` periods (分期购)."""
    tenor = parse_periods(periods)
    checked_key = check_key(key, required=True)
    Money.parse(amount)
    merchant_id = printable_text(merchant, "merchant", max_length=40, spaces=False)
    order_id = parse_order_id(order)
    promotion_id = (
        None
        if promotion is None
        else printable_text(promotion, "promotion", max_length=40, spaces=False)
    )
    params = {
        "merchant": merchant_id,
        "order": order_id,
        "amount": amount,
        "periods": tenor,
        "promotion": promotion_id,
    }
    with line_command(db, line_id, checked_key, spend=True) as cmd:
        money = require_positive(cmd.amount(amount))

        def effect() -> Answer:
            return _purchase(cmd, money, tenor, merchant_id, order_id, promotion_id)

        return cmd.run("installment.purchase", params, effect)


def _purchase(  # noqa: PLR0917 - the purchase's parts, each checked before the lock
    cmd: LineCommand,
    money: Money,
    periods: int,
    merchant_id: str,
    order_id: str,
    promotion_id: str | None,
) -> Answer:
    uow, now, locked = cmd.uow, cmd.now, cmd.line
    line = locked.state
    if line.product is not Product.INSTALLMENT:
        raise InvalidInput("line", f"line {line.id} is not an installment line (分期购)")
    if uow.parties.get_party(merchant_id).kind is not PartyKind.MERCHANT:
        raise InvalidInput("merchant", f"{merchant_id} is not a merchant")
    if uow.orders.order_exists(order_id):
        raise InvalidInput("order", f"order {order_id} already exists")
    policy = uow.reference.policy(now, locked.policy_seq)
    rate_text = fee_rate(policy, periods)
    today = local_date(now)
    merchant_fee = None
    if promotion_id is not None:
        promo = uow.installments.get_promotion(promotion_id, lock=True)
        merchant_fee = total_fee(money, policy.rate(f"installment_fee_rate_{periods}"), periods)
        promo.check_applies(merchant_id, periods, today, merchant_fee)
    schedule = build_schedule(  # bad input (too small an amount) before anything is held
        money,
        periods,
        policy.rate(f"installment_fee_rate_{periods}"),
        today,
        fee_free=promotion_id is not None,
    )
    answer = hold_spend(cmd, money, Purpose.PURCHASE, order_id, merchant_id)
    body = answer.body
    if answer.refused:
        body["plan"] = None
        return answer
    hold = uow.holds.get_hold(line.id, body["id"])
    if body.get("status") == "review":
        # A purchase does not wait for a review: the hold goes back and the shopper is told.
        release_hold(uow, locked, hold, movement=Movement.VOID, status=HoldStatus.VOIDED, now=now)
        reason = Reason(ReasonCode.REVIEW_PENDING)
        raise Refused(reason.code.value, reason.message_en, [reason])
    locked = uow.lines.lock_line(line.id)
    plan = Plan(
        id=new_child_id("inst", line.id),
        line_id=line.id,
        party_id=line.party_id,
        merchant_id=merchant_id,
        order_id=order_id,
        hold_id=hold.id,
        amount=money,
        periods=tuple(Period.scheduled(s) for s in schedule),
        fee_rate=rate_text,  # the tenor's rate; under a promotion the merchant pays it
        promotion_id=promotion_id,
        merchant_fee=merchant_fee,
    )
    apr = annual_rate(money, [s.payment for s in schedule])
    locked = post_plan(uow, locked, f"{hold.id}:capture", capture_transfers(hold, None, now), now)
    uow.holds.update_hold(
        line.id,
        hold.id,
        status=HoldStatus.CAPTURED,
        captured=money,
        refunded=Money.zero(money.currency),
        now=now,
    )
    locked = post_plan(uow, locked, f"{plan.id}:fee", fee_charge(plan, plan.fee_total), now)
    uow.installments.insert_plan(plan, apr=apr, policy_version=policy.version, now=now)
    if promotion_id is not None and merchant_fee is not None:
        uow.installments.use_promotion(promotion_id, merchant_fee.minor)
    merchant_order = Order(order_id, merchant_id, money, OrderState.PAID, now, buyer=line.party_id)
    uow.orders.insert_order(merchant_order)
    uow.events.emit("order.paid", order_json(merchant_order), now, party_id=merchant_id)
    uow.installments.add_entry(
        plan,
        entry_id=f"{plan.id}:purchase",
        kind="purchase",
        amount=money.minor,
        detail={"fee_total": plan.fee_total.format(), "apr": str(apr.nominal), "hold": hold.id},
        now=now,
    )
    out = shown(uow, plan, now)
    uow.events.emit("installment.created", out, now, line_id=line.id)
    out["balances"] = balances_json(locked.state.balances)
    out["risk"] = body.get("risk")
    return Answer(out)


def _plan_command(plan_id: str, key: str | None) -> tuple[str, str | None]:
    return line_of(plan_id, field="plan"), check_key(key, required=True)


@retried
def repay_installment(db: Database, plan_id: str, *, amount: str, key: str | None) -> Answer:
    """Repay a plan (分期还款): the oldest period first, late fees, then fees, then principal;
    the payoff amount pays it off early (提前结清) with only the earned fees."""
    line_id, checked_key = _plan_command(plan_id, key)
    Money.parse(amount)
    with line_command(db, line_id, checked_key) as cmd:
        money = require_positive(cmd.amount(amount))
        plan = cmd.uow.installments.get_plan(line_id, plan_id)

        def effect() -> Answer:
            return _repay(cmd, plan, money)

        return cmd.run("installment.repay", {"plan": plan_id, "amount": amount}, effect)


def _repay(cmd: LineCommand, plan: Plan, money: Money) -> Answer:
    uow, now = cmd.uow, cmd.now
    policy = uow.reference.policy(now, cmd.line.policy_seq)
    locked, plan, _ = catch_up(uow, cmd.line, plan, now, policy)
    extra = policy.integer("installment_payoff_extra_periods")
    after, moves = repay(plan, money, local_date(now), extra)
    entry = new_child_id("irp", plan.line_id)
    locked = post_plan(uow, locked, entry, moves_transfers(after, moves), now)
    uow.installments.save_plan(after, now)
    detail = {
        "principal": moves.principal.format(),
        "fees": moves.fees.format(),
        "late_fees": moves.late_fees.format(),
        "waived": moves.waived.format(),
    }
    uow.installments.add_entry(
        after, entry_id=entry, kind="repay", amount=money.minor, detail=detail, now=now
    )
    lifted = lift_if_clear(uow, plan.line_id, now, policy)
    out = shown(uow, after, now)
    event = {
        "plan": plan.id,
        "amount": money.format(),
        "paid": detail,
        "status": after.status.value,
    }
    uow.events.emit("installment.repaid", event, now, line_id=plan.line_id)
    if after.status in _ENDED:
        uow.events.emit(_ENDED[after.status], event, now, line_id=plan.line_id)
    out["repayment"] = {"id": entry, "amount": money.format(), **detail}
    out["lifted_freezes"] = lifted
    out["balances"] = balances_json(locked.state.balances)
    return Answer(out)


@retried
def return_installment(
    db: Database, plan_id: str, *, amount: str | None = None, key: str | None
) -> Answer:
    """A return (退货) of all (no ``amount``) or part of a plan's goods: the merchant's order
    is returned as any order is; the plan's quota comes back, its remaining periods are
    re-scheduled (a partial return) or cancelled (a whole one), fees of periods not started
    are never kept, and what the shopper paid beyond what is owed is refunded."""
    line_id, checked_key = _plan_command(plan_id, key)
    if amount is not None:
        Money.parse(amount)
    with line_command(db, line_id, checked_key) as cmd:
        plan = cmd.uow.installments.get_plan(line_id, plan_id)
        money = None if amount is None else require_positive(cmd.amount(amount))

        def effect() -> Answer:
            return _return(cmd, plan, money)

        return cmd.run("installment.return", {"plan": plan_id, "amount": amount}, effect)


def _return(cmd: LineCommand, plan: Plan, money: Money | None) -> Answer:
    uow, now = cmd.uow, cmd.now
    policy = uow.reference.policy(now, cmd.line.policy_seq)
    locked, plan, _ = catch_up(uow, cmd.line, plan, now, policy)
    returned = (plan.amount - plan.returned) if money is None else money
    if not returned.is_positive:
        raise InvalidInput("plan", f"plan {plan.id} was returned whole already")
    left = plan.amount - plan.returned - returned
    if left.minor < 0:
        raise InvalidInput(
            "amount",
            f"amount {returned.format()} is more than the "
            f"{(plan.amount - plan.returned).format()} not yet returned",
        )
    n = len(plan.periods)
    if plan.promotion_id is not None or not left.is_positive:
        fees_left = [Money.zero(plan.currency)] * n
    else:
        fees_left = period_fees(left, Decimal(plan.fee_rate), n)
    order_body = return_goods(uow, plan.order_id, returned, now)
    after, moves = give_back(plan, returned, local_date(now), fees_left)
    entry = new_child_id("irt", plan.line_id)
    locked = post_plan(uow, locked, entry, moves_transfers(after, moves), now)
    uow.installments.save_plan(after, now)
    detail = {
        "returned": returned.format(),
        "released": moves.released.format(),
        "waived": moves.waived.format(),
        "fees_netted": (moves.fees + moves.late_fees).format(),
        "refund": moves.refund.format(),
        "refund_fees": moves.refund_fees.format(),
    }
    uow.installments.add_entry(
        after, entry_id=entry, kind="return", amount=returned.minor, detail=detail, now=now
    )
    lifted = lift_if_clear(uow, plan.line_id, now, policy)
    out = shown(uow, after, now)
    uow.events.emit(
        "installment.returned",
        {"plan": plan.id, **detail, "status": after.status.value},
        now,
        line_id=plan.line_id,
    )
    out["return"] = {"id": entry, **detail}
    out["order_return"] = order_body
    out["lifted_freezes"] = lifted
    out["balances"] = balances_json(locked.state.balances)
    return Answer(out)
