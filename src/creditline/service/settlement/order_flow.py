"""Use cases for orders (订单): add, ship, confirm receipt (确认收货, by the buyer or
automatically), return (also after receipt: 售后), show; dunning (催收)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.quota.lines import require_positive
from creditline.domain.quota.parties import PartyKind
from creditline.domain.settlement.orders import Order, OrderState, parse_order_id
from creditline.domain.settlement.splits import window_opening
from creditline.domain.text import printable_text
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer, once
from creditline.service.settlement.after_sale import take_back_after_split
from creditline.service.settlement.funds import post_funds
from creditline.service.uow import Database, UnitOfWork


def order_json(o: Order) -> dict[str, Any]:
    def iso(v: datetime | None) -> str | None:
        return iso_local(v) if v else None

    return {
        "id": o.id,
        "merchant": o.merchant_id,
        "amount": o.amount.format(),
        "currency": o.amount.currency,
        "returned": Money(o.returned, o.amount.currency).format(),
        "proceeds": o.proceeds.format(),
        "buyer": o.buyer,
        "state": o.state.value,
        "dunning": o.dunning.value,
        "created_at": iso(o.created_at),
        "shipped_at": iso(o.shipped_at),
        "confirmed_at": iso(o.confirmed_at),
        "split_due_at": iso(o.split_due_at),
        # split_due_at rests on a working day estimated past the known calendar
        "provisional": o.split_due_provisional,
        "split_done": o.split_done,
        "no_shipping": o.no_shipping,
        "auto_confirmed": o.auto_confirmed,
    }


def add_order(
    db: Database,
    merchant_id: str,
    *,
    order_id: str,
    amount: str,
    buyer: str | None = None,
    no_shipping: bool = False,
    key: str | None = None,
) -> Answer:
    """A merchant's sale, paid by the buyer (R8); ``no_shipping`` for goods that need no
    shipping (virtual goods, 虚拟商品), which the buyer confirms without a shipment."""
    oid = parse_order_id(order_id)
    money = require_positive(Money.parse(amount))
    if buyer is not None:
        printable_text(buyer, "buyer", max_length=64)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        if uow.parties.get_party(merchant_id).kind is not PartyKind.MERCHANT:
            raise InvalidInput("merchant", "orders belong to merchants")
        if uow.orders.order_exists(oid):
            raise InvalidInput("order", f"order {oid} already exists")
        now = uow.reference.now()
        order = Order(
            oid, merchant_id, money, OrderState.PAID, now, buyer=buyer, no_shipping=no_shipping
        )
        uow.orders.insert_order(order)
        uow.events.emit("order.paid", order_json(order), now, party_id=merchant_id)
        return Answer(order_json(order))

    return once(
        db,
        key=key,
        command="order.add",
        params={
            "merchant": merchant_id,
            "order": order_id,
            "amount": amount,
            "buyer": buyer,
            "no_shipping": no_shipping,
        },
        effect=effect,
        scope=f"party:{merchant_id}",
    )


def ship_order(db: Database, order_id: str, *, key: str | None = None) -> Answer:
    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        order = uow.orders.get_order(order_id).ship(now)
        uow.orders.update_order(order)
        uow.events.emit("order.shipped", order_json(order), now, party_id=order.merchant_id)
        return Answer(order_json(order))

    return once(
        db,
        key=key,
        command="order.ship",
        params={"order": order_id},
        effect=effect,
        scope=f"order:{order_id}",
    )


def confirm_order(db: Database, order_id: str, *, key: str | None = None) -> Answer:
    """The buyer confirmed receipt (确认收货) of a shipped order (or of one that needs no
    shipping): the proceeds wait in escrow for the next split window (working days
    10:00-16:00 Asia/Shanghai by default)."""

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        return Answer(_confirm(uow, locked_order(uow, order_id), now, auto=False))

    return once(
        db,
        key=key,
        command="order.confirm",
        params={"order": order_id},
        effect=effect,
        scope=f"order:{order_id}",
    )


def locked_order(uow: UnitOfWork, order_id: str) -> Order:
    """The order read under its merchant's funds lock, so that of two racing confirmations
    (the buyer's and the platform's) the second sees the first and is refused."""
    first = uow.orders.get_order(order_id)
    uow.funds.lock_funds(first.merchant_id, first.amount.currency, uow.reference.now())
    return uow.orders.get_order(order_id)


def _confirm(uow: UnitOfWork, order: Order, now: datetime, *, auto: bool) -> dict[str, Any]:
    """Confirm receipt in the caller's transaction: proceeds into escrow, the split due at the
    next window opening (saying whether that rests on an estimated working day)."""
    window = uow.reference.policy(now).raw("split_window")
    opening = window_opening(uow.reference.calendar(), now, window)
    confirmed = order.confirm(now, opening.at, provisional=opening.provisional, auto=auto)
    uow.orders.update_order(confirmed)
    post_funds(
        uow,
        confirmed.merchant_id,
        confirmed.id,
        now,
        [
            Transfer(
                Account.CLEARING,
                Account.ESCROW,
                confirmed.proceeds,
                Movement.PROCEEDS,
                confirmed.id,
            ),
        ],
    )
    body = order_json(confirmed)
    kind = "order.auto_confirmed" if auto else "order.confirmed"
    uow.events.emit(kind, body, now, party_id=confirmed.merchant_id)
    return body


def run_auto_confirm(db: Database, *, batch: int = 200) -> list[dict[str, Any]]:
    """Shipped orders the buyer has not confirmed after the policy's days (default 10) are
    confirmed by the platform (自动确认收货) and then split as usual; dunning ends with the
    confirmation, and the dunning events already sent stay. One order per transaction."""
    done: list[dict[str, Any]] = []
    while True:
        with db.transaction(write=False) as uow:
            now = uow.reference.now()
            days = uow.reference.policy(now).integer("auto_confirm_days")
            due = uow.orders.unconfirmed_shipped_before(now - timedelta(days=days), batch)
        confirmed = []
        for order_id in due:
            with db.transaction() as uow:
                now = uow.reference.now()
                order = locked_order(uow, order_id)
                days = uow.reference.policy(now).integer("auto_confirm_days")
                if order.auto_confirm_due(now, days):  # the buyer may have confirmed since
                    confirmed.append(_confirm(uow, order, now, auto=True))
        done.extend(confirmed)
        if len(due) < batch or not confirmed:
            return done


def return_order(
    db: Database, order_id: str, *, amount: str | None = None, key: str | None = None
) -> Answer:
    """A return (退货), whole or part: before receipt at any time; after it, within the
    policy's after-sale days (售后, 7天无理由). Before the split the proceeds leave escrow;
    after it the refund is taken back from the merchant (``after_sale``)."""
    if amount is not None:
        Money.parse(amount)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        order = uow.orders.get_order(order_id)
        money = None if amount is None else Money.parse(amount, order.amount.currency)
        return Answer(return_goods(uow, order_id, money, now))

    return once(
        db,
        key=key,
        command="order.return",
        params={"order": order_id, "amount": amount},
        effect=effect,
        scope=f"order:{order_id}",
    )


def return_goods(
    uow: UnitOfWork, order_id: str, money: Money | None, now: datetime
) -> dict[str, Any]:
    """Return all (``None``) or ``money`` of an order's goods in the caller's transaction: the
    proceeds leave escrow before the split, or are taken back from the merchant after it."""
    order = locked_order(uow, order_id)  # a split running now would change what to take
    days = uow.reference.policy(now).integer("after_sale_days")
    returned = order.return_goods(money, now, days)
    uow.orders.update_order(returned)
    taken = Money(returned.returned - order.returned, order.amount.currency)
    body = {**order_json(returned), "this_return": taken.format()}
    if order.split_done:
        body["after_sale"] = take_back_after_split(uow, order, taken, now)
    elif order.state is OrderState.CONFIRMED:
        post_funds(
            uow,
            order.merchant_id,
            order.id,
            now,
            [Transfer(Account.ESCROW, Account.CLEARING, taken, Movement.RETURN, order.id)],
        )
    uow.events.emit("order.returned", body, now, party_id=order.merchant_id)
    return body


def show_order(db: Database, order_id: str) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer(order_json(uow.orders.get_order(order_id)))


def run_dunning(db: Database) -> list[dict[str, str]]:
    """Orders shipped but not confirmed: a reminder at 3 days, escalation to customer service
    at 7, a legal-process flag at 15 (R22); each stage once, as an event."""
    with db.transaction(write=False) as uow:
        candidates = uow.orders.shipped_before(uow.reference.now() - timedelta(days=3))
    done: list[dict[str, str]] = []
    for order_id in candidates:
        with db.transaction() as uow:
            done.extend(_dun(uow, order_id))
    return done


def _dun(uow: UnitOfWork, order_id: str) -> list[dict[str, str]]:
    now = uow.reference.now()
    order = uow.orders.get_order(order_id)
    stage = order.dunning_due(now)
    if stage is None:
        return []
    uow.orders.update_order(replace(order, dunning=stage))
    payload = {
        "order": order.id,
        "stage": stage.value,
        "days_unconfirmed": str((now - order.shipped_at).days if order.shipped_at else 0),
    }
    uow.events.emit(f"dunning.{stage.value}", payload, now, party_id=order.merchant_id)
    return [payload]
