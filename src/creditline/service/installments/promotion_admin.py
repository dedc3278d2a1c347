"""Merchants' interest-free promotions (商家贴息 / 免息分期): create, list, end."""

from __future__ import annotations

from datetime import datetime

from creditline.domain.errors import InvalidInput
from creditline.domain.installments.promotions import Promotion, PromotionStatus, parse_tenors
from creditline.domain.money import Money
from creditline.domain.quota.parties import PartyKind
from creditline.domain.text import printable_text
from creditline.domain.workdays import parse_day
from creditline.service.idempotency import Answer, once
from creditline.service.ids import new_id
from creditline.service.installments.plan_views import promotion_json
from creditline.service.uow import Database, UnitOfWork


def create_promotion(
    db: Database,
    merchant_id: str,
    *,
    name: str,
    periods: str,
    starts_on: str,
    ends_on: str,
    cap: str,
    key: str | None = None,
) -> Answer:
    """A merchant's promotion: for ``periods`` (like ``3,6``) from ``starts_on`` to
    ``ends_on`` (inclusive, Beijing dates) its shoppers pay no fee, and it pays the fees, up
    to ``cap`` in all, out of its proceeds at the split."""
    title = printable_text(name, "name", max_length=120)
    tenors = parse_tenors(periods)
    first, last = parse_day(starts_on, "starts_on"), parse_day(ends_on, "ends_on")
    if last < first:
        raise InvalidInput("ends_on", "ends_on must not be before starts_on")
    budget = Money.parse(cap, field="cap")
    if not budget.is_positive:
        raise InvalidInput("cap", "cap must be positive")

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        if uow.parties.get_party(merchant_id).kind is not PartyKind.MERCHANT:
            raise InvalidInput("merchant", "promotions belong to merchants")
        promotion = Promotion(
            id=new_id("promo"),
            merchant_id=merchant_id,
            name=title,
            tenors=tenors,
            starts_on=first,
            ends_on=last,
            cap=budget,
            used=Money.zero(budget.currency),
            status=PromotionStatus.ACTIVE,
            created_at=now,
        )
        uow.installments.insert_promotion(promotion)
        body = promotion_json(promotion)
        uow.events.emit("promotion.created", body, now, party_id=merchant_id)
        return Answer(body)

    return once(
        db,
        key=key,
        command="promotion.create",
        params={
            "merchant": merchant_id,
            "name": name,
            "periods": periods,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "cap": cap,
        },
        effect=effect,
        scope=f"party:{merchant_id}",
    )


def list_promotions(db: Database, merchant_id: str) -> Answer:
    """The merchant's promotions, newest first."""
    with db.transaction(write=False) as uow:
        uow.parties.get_party(merchant_id)
        promotions = uow.installments.promotions_of(merchant_id)
        return Answer(
            {"merchant": merchant_id, "promotions": [promotion_json(p) for p in promotions]}
        )


def show_promotion(db: Database, promotion_id: str) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer(promotion_json(uow.installments.get_promotion(promotion_id)))


def end_promotion(db: Database, promotion_id: str, *, key: str | None = None) -> Answer:
    """End a promotion now: purchases after it pay their own fees; plans made under it keep
    it (their merchant still pays their fee at the split)."""

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        promotion = uow.installments.get_promotion(promotion_id, lock=True)
        if promotion.status is not PromotionStatus.ACTIVE:
            raise InvalidInput("promotion", f"promotion {promotion_id} has ended already")
        uow.installments.end_promotion(promotion_id, now)
        body = promotion_json(uow.installments.get_promotion(promotion_id))
        uow.events.emit("promotion.ended", body, now, party_id=promotion.merchant_id)
        return Answer(body)

    return once(
        db,
        key=key,
        command="promotion.end",
        params={"promotion": promotion_id},
        effect=effect,
        scope=f"promotion:{promotion_id}",
    )
