"""Use cases for orders (订单): add, ship, confirm receipt, return, show; dunning (催收)."""

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
from creditline.domain.settlement.splits import next_window
from creditline.domain.text import printable_text
from creditline.service.idempotency import Answer, once
from creditline.service.settlement.funds import post_funds
from creditline.service.uow import Database, UnitOfWork


def order_json(o: Order) -> dict[str, Any]:
    def iso(v: datetime | None) -> str | None:
        return v.isoformat() if v else None

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
        "split_done": o.split_done,
    }


def add_order(
    db: Database,
    merchant_id: str,
    *,
    order_id: str,
    amount: str,
    buyer: str | None = None,
    key: str | None = None,
) -> Answer:
    """A merchant's sale, paid by the buyer (R8)."""
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
        order = Order(oid, merchant_id, money, OrderState.PAID, now, buyer=buyer)
        uow.orders.insert_order(order)
        uow.events.emit("order.paid", order_json(order), now, party_id=merchant_id)
        return Answer(order_json(order))

    return once(
        db,
        key=key,
        command="order.add",
        params={"merchant": merchant_id, "order": order_id, "amount": amount, "buyer": buyer},
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
    """The buyer confirmed receipt (确认收货): the proceeds wait in escrow for the next split
    window (working days 10:00-16:00 Asia/Shanghai by default)."""

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        order = uow.orders.get_order(order_id)
        window = uow.reference.policy(now).raw("split_window")
        confirmed = order.confirm(now, next_window(uow.reference.calendar(), now, window))
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
        uow.events.emit(
            "order.confirmed", order_json(confirmed), now, party_id=confirmed.merchant_id
        )
        return Answer(order_json(confirmed))

    return once(
        db,
        key=key,
        command="order.confirm",
        params={"order": order_id},
        effect=effect,
        scope=f"order:{order_id}",
    )


def return_order(
    db: Database, order_id: str, *, amount: str | None = None, key: str | None = None
) -> Answer:
    """A return (退货), whole or part, before the proceeds are split."""
    if amount is not None:
        Money.parse(amount)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        order = uow.orders.get_order(order_id)
        money = None if amount is None else Money.parse(amount, order.amount.currency)
        returned = order.return_goods(money)
        uow.orders.update_order(returned)
        taken = Money(returned.returned - order.returned, order.amount.currency)
        if order.state is OrderState.CONFIRMED:
            post_funds(
                uow,
                order.merchant_id,
                order.id,
                now,
                [
                    Transfer(Account.ESCROW, Account.CLEARING, taken, Movement.RETURN, order.id),
                ],
            )
        body = {**order_json(returned), "this_return": taken.format()}
        uow.events.emit("order.returned", body, now, party_id=order.merchant_id)
        return Answer(body)

    return once(
        db,
        key=key,
        command="order.return",
        params={"order": order_id, "amount": amount},
        effect=effect,
        scope=f"order:{order_id}",
    )


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
