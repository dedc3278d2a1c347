"""Installments (分期购): a shopper buys in 3, 6 or 12 periods on its installment line, sees
each plan's schedule, and the platform records repayments and returns; a merchant runs
interest-free promotions (商家贴息). Amounts are minor units; another holder's plan is a 404.

Who may: a purchase is a spend (the holder's own key, or operations); a repayment frees quota
only when money arrived, so the platform records it (``repayment.record``); a return is the
marketplace's word that the goods came back (``order.write``); a promotion is the merchant's
(``promotion.write``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt, StrictStr

import creditline
from creditline.entrypoints.api.calls import Caller, line_of_child
from creditline.entrypoints.api.models import ERRORS, REFUSABLE, Amount, Body, Currency
from creditline.entrypoints.api.shape import from_minor

router = APIRouter(prefix="/v1", tags=["installments"])
LineId = Annotated[str, Path(max_length=64, examples=["line_31a2030e3de643c7"])]
PlanId = Annotated[str, Path(max_length=64, examples=["inst_31a2030e3de643c7a1b2c3d4e5f6"])]
PartyId = Annotated[str, Path(max_length=64, examples=["mer_31a2030e3de643c7"])]
PromotionId = Annotated[str, Path(max_length=64, examples=["promo_31a2030e3de643c7"])]
Call = Annotated[Caller, Depends(Caller)]
Ref = Annotated[StrictStr, Field(min_length=1, max_length=64, examples=["dw-1001"])]


class PurchaseIn(Body):
    merchant: Ref = Field(description="the merchant's party id", examples=["mer_31a2030e3de643c7"])
    order: Ref = Field(description="the merchant's order id (made paid by the purchase)")
    amount: Amount
    currency: Currency = "CNY"
    periods: StrictInt = Field(description="3, 6 or 12", examples=[6])
    promotion: Ref | None = Field(default=None, description="the merchant's promotion (免息)")


class PlanRepaymentIn(Body):
    amount: Amount
    currency: Currency = "CNY"


class PlanReturnIn(Body):
    amount: Amount | None = Field(default=None, description="the goods' value; default: all")
    currency: Currency = "CNY"


class PromotionIn(Body):
    name: Annotated[StrictStr, Field(min_length=1, max_length=120, examples=["免息季"])]
    periods: Annotated[StrictStr, Field(max_length=16, examples=["3,6"])]
    starts_on: Annotated[StrictStr, Field(max_length=10, examples=["2026-06-01"])]
    ends_on: Annotated[StrictStr, Field(max_length=10, examples=["2026-06-30"])]
    cap: Amount = Field(description="the most the promotion pays in fees, in all")
    currency: Currency = "CNY"


@router.post(
    "/lines/{line_id}/installments",
    responses=REFUSABLE,
    summary="Buy in installments (分期购): the plan with its schedule and annual rate",
)
def purchase(line_id: LineId, body: PurchaseIn, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    call.same_currency(line_id, body.currency)
    amount = from_minor(body.amount, body.currency)
    return call.write(
        "spend",
        lambda db, key: creditline.purchase_installment(
            db,
            line_id,
            merchant=body.merchant,
            order=body.order,
            amount=amount,
            periods=body.periods,
            promotion=body.promotion,
            key=key,
        ),
        target=line_id,
        native_key=True,
    )


@router.get("/lines/{line_id}/installments", responses=ERRORS, summary="A line's plans")
def line_plans(line_id: LineId, call: Call) -> JSONResponse:
    call.own(line_id, "line_id")
    return call.read(lambda db: creditline.list_installments(db, line_id))


@router.get(
    "/installments/{plan_id}",
    responses=ERRORS,
    summary="A plan: each period's due date, what was paid, what is owed, its status",
)
def get_plan(plan_id: PlanId, call: Call) -> JSONResponse:
    line_of_child(plan_id, "plan_id")
    call.own(plan_id, "plan_id")
    return call.read(lambda db: creditline.show_installment(db, plan_id))


@router.post(
    "/installments/{plan_id}/repayments",
    responses=REFUSABLE,
    summary="Record a repayment of a plan: late fees, then fees, then principal, oldest first",
)
def repay(plan_id: PlanId, body: PlanRepaymentIn, call: Call) -> JSONResponse:
    line_id = line_of_child(plan_id, "plan_id")
    call.own(plan_id, "plan_id")
    call.same_currency(line_id, body.currency)
    amount = from_minor(body.amount, body.currency)
    return call.write(
        "repayment.record",
        lambda db, key: creditline.repay_installment(db, plan_id, amount=amount, key=key),
        target=plan_id,
        native_key=True,
    )


@router.post(
    "/installments/{plan_id}/returns",
    responses=REFUSABLE,
    summary="Record a return (退货): partial re-schedules the rest, whole cancels the plan",
)
def give_back(plan_id: PlanId, call: Call, body: PlanReturnIn | None = None) -> JSONResponse:
    line_id = line_of_child(plan_id, "plan_id")
    call.own(plan_id, "plan_id")
    amount = None
    if body is not None:
        call.same_currency(line_id, body.currency)
        if body.amount is not None:
            amount = from_minor(body.amount, body.currency)
    return call.write(
        "order.write",
        lambda db, key: creditline.return_installment(db, plan_id, amount=amount, key=key),
        target=plan_id,
        native_key=True,
    )


@router.post(
    "/parties/{party_id}/promotions",
    responses=REFUSABLE,
    summary="Run an interest-free promotion (商家贴息): the merchant pays the fees at the split",
)
def create_promotion(party_id: PartyId, body: PromotionIn, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    cap = from_minor(body.cap, body.currency, field="cap")
    return call.write(
        "promotion.write",
        lambda db, key: creditline.create_promotion(
            db,
            party_id,
            name=body.name,
            periods=body.periods,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            cap=cap,
            key=key,
        ),
        target=party_id,
        body=body.model_dump(),
    )


@router.get("/parties/{party_id}/promotions", responses=ERRORS, summary="A merchant's promotions")
def promotions(party_id: PartyId, call: Call) -> JSONResponse:
    call.own(party_id, "party_id")
    return call.read(lambda db: creditline.list_promotions(db, party_id))


@router.get("/promotions/{promotion_id}", responses=ERRORS, summary="A promotion")
def get_promotion(promotion_id: PromotionId, call: Call) -> JSONResponse:
    call.own(promotion_id, "promotion_id")
    return call.read(lambda db: creditline.show_promotion(db, promotion_id))


@router.post(
    "/promotions/{promotion_id}/end",
    responses=REFUSABLE,
    summary="End a promotion now (plans made under it keep it)",
)
def end_promotion(promotion_id: PromotionId, call: Call) -> JSONResponse:
    call.own(promotion_id, "promotion_id")
    return call.write(
        "promotion.write",
        lambda db, key: creditline.end_promotion(db, promotion_id, key=key),
        target=promotion_id,
        body={"promotion": promotion_id},
    )
