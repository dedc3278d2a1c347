"""Settlement (结算): orders (订单) and their shipping, receipt and returns; a merchant's supplier
whitelist (供应商白名单) and split rule (分账规则); payouts (出款), the sandbox's failing channel,
and the day's reconciliation (对账) of the ledger with the channel.

Access: a merchant's key adds and moves its own orders (``order.write``); another merchant's
order is a 404. Suppliers and split rules are operations' (``supplier.write``,
``split_rule.write``). Every payout (``GET /v1/payouts``) and the reconciliation are
platform-wide, for operators only (a holder's key is a 403; a holder reads its own payouts at
``GET /v1/parties/{party_id}/payouts``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

import creditline
from creditline import Answer, NotFound
from creditline.entrypoints.api.bodies import (
    Limit,
    OrderIn,
    PayoutFailuresIn,
    ReturnIn,
    SplitRuleIn,
    StartingAfter,
    SupplierIn,
    operators_only,
)
from creditline.entrypoints.api.calls import Caller, page
from creditline.entrypoints.api.models import ERRORS, REFUSABLE
from creditline.entrypoints.api.shape import from_minor

router = APIRouter(prefix="/v1", tags=["settlement"])
OrderId = Annotated[str, Path(max_length=64, examples=["TB20240501001"])]
PartyId = Annotated[str, Path(max_length=64, examples=["mer_5f2a9c1e0b7d4a33"])]
Call = Annotated[Caller, Depends(Caller)]
#: Orders are paid in CNY.
ORDER_CURRENCY = "CNY"


def own_order(call: Caller, order_id: str) -> None:
    """A merchant reaches only its own orders. An order id is the merchant's own text (it may
    even look like another object's id), so the order itself is asked whose it is."""
    if call.party is None:
        return
    try:
        merchant = creditline.show_order(call.db, order_id).body["merchant"]
    except NotFound:
        merchant = None
    if merchant != call.party:
        raise NotFound("order_id", "order_id: no such object")


# -- orders --------------------------------------------------------------------------------------
@router.post(
    "/orders",
    responses=REFUSABLE,
    summary="A merchant's sale, paid by the buyer (the marketplace's checkout reports it)",
)
def create_order(body: OrderIn, call: Call) -> JSONResponse:
    call.principal.require("order.write")  # a merchant's own word would invent sales
    call.own(body.merchant, "merchant")
    amount = from_minor(body.amount, body.currency)
    return call.write(
        "order.write",
        lambda db, key: creditline.add_order(
            db,
            body.merchant,
            order_id=body.order,
            amount=amount,
            buyer=body.buyer,
            no_shipping=body.no_shipping,
            key=key,
        ),
        target=body.order,
        native_key=True,
    )


@router.get(
    "/orders/{order_id}", responses=ERRORS, summary="An order: state, proceeds, dunning, split"
)
def get_order(order_id: OrderId, call: Call) -> JSONResponse:
    own_order(call, order_id)
    return call.read(lambda db: creditline.show_order(db, order_id))


@router.post("/orders/{order_id}/ship", responses=REFUSABLE, summary="The merchant shipped it")
def ship_order(order_id: OrderId, call: Call) -> JSONResponse:
    own_order(call, order_id)
    return call.write(
        "order.ship",
        lambda db, key: creditline.ship_order(db, order_id, key=key),
        target=order_id,
        native_key=True,
    )


@router.post(
    "/orders/{order_id}/confirm",
    responses=REFUSABLE,
    summary="The buyer confirmed receipt (确认收货); proceeds wait for the split window",
)
def confirm_order(order_id: OrderId, call: Call) -> JSONResponse:
    call.principal.require("order.write")  # the buyer's word, through the marketplace
    own_order(call, order_id)
    return call.write(
        "order.write",
        lambda db, key: creditline.confirm_order(db, order_id, key=key),
        target=order_id,
        native_key=True,
    )


@router.post(
    "/orders/{order_id}/return",
    responses=REFUSABLE,
    summary="A return (退货), whole or part; after receipt within the after-sale days (售后)",
)
def return_order(order_id: OrderId, call: Call, body: ReturnIn | None = None) -> JSONResponse:
    own_order(call, order_id)
    amount = None
    if body is not None and body.amount is not None:
        amount = from_minor(body.amount, ORDER_CURRENCY)
    return call.write(
        "order.ship",
        lambda db, key: creditline.return_order(db, order_id, amount=amount, key=key),
        target=order_id,
        native_key=True,
    )


# -- suppliers and split rules -------------------------------------------------------------------
@router.post(
    "/parties/{party_id}/suppliers",
    responses=REFUSABLE,
    summary="Put a supplier on the merchant's whitelist (供应商白名单)",
)
def add_supplier(party_id: PartyId, body: SupplierIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.write(
        "supplier.write",
        lambda db, key: creditline.add_supplier(
            db, party_id, name=body.name, tier=body.tier, account=body.account, key=key
        ),
        target=party_id,
        native_key=True,
    )


@router.post(
    "/parties/{party_id}/split_rule",
    responses=REFUSABLE,
    summary="A new version of the merchant's split rule (分账规则); shares add up to 100%",
)
def set_split_rule(party_id: PartyId, body: SplitRuleIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.write(
        "split_rule.write",
        lambda db, key: creditline.set_split_rule(db, party_id, rule=body.rule, key=key),
        target=party_id,
        note=body.rule,
        native_key=True,
    )


# -- payouts -------------------------------------------------------------------------------------
@router.get(
    "/payouts",
    responses=ERRORS,
    summary="Every payout (出款) with its attempts, failures and compensation (operators)",
)
def list_payouts(
    call: Call,
    limit: Limit = 10,
    starting_after: StartingAfter = None,
    party: Annotated[
        str | None, Query(max_length=64, description="only this party's payouts")
    ] = None,
) -> JSONResponse:
    operators_only(call.principal, "every payout")

    def run(db: creditline.Database) -> Answer:
        items = creditline.list_payouts(db, party).body["data"]
        return Answer(page(items, limit=limit, starting_after=starting_after, url="/v1/payouts"))

    return call.read(run)


@router.post(
    "/sandbox/payout_failures",
    responses=REFUSABLE,
    summary="Make the next N channel calls fail (sandbox only)",
)
def fail_payouts(body: PayoutFailuresIn, call: Call) -> JSONResponse:
    return call.write(
        "payouts.write",
        lambda db, _key: creditline.fail_payouts(db, count=body.count, error=body.error),
        target=f"channel: next {body.count} calls fail with {body.error}",
        body=body.model_dump(),
    )


@router.get(
    "/reconciliation",
    responses=ERRORS,
    summary="Compare the ledger's payouts with the channel's records for a day (对账)",
)
def reconcile(
    call: Call,
    day: Annotated[
        str, Query(max_length=10, description="a day, Beijing time", examples=["2024-05-01"])
    ],
) -> JSONResponse:
    operators_only(call.principal, "the reconciliation")
    return call.read(lambda db: creditline.reconcile(db, day=day))
