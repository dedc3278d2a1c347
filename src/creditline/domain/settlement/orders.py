"""Orders (订单): a merchant's sale, from payment through shipping to the buyer's confirmation
of receipt (确认收货), or a return, also after receipt within the after-sale period (售后)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.money import Money
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.text import printable_text
from creditline.domain.workdays import iso_local, local_text


class OrderState(StrEnum):
    PAID = "paid"
    SHIPPED = "shipped"
    CONFIRMED = "confirmed"  # the buyer confirmed receipt (确认收货): proceeds become settleable
    RETURNED = "returned"  # returned whole (退货)


class Dunning(StrEnum):
    """Stages for an order shipped but not confirmed (催收, R22)."""

    NONE = "none"
    REMINDER = "reminder"  # day 3
    ESCALATED = "escalated"  # day 7: to customer service
    LEGAL = "legal"  # day 15: legal-process flag


DUNNING_DAYS: tuple[tuple[int, Dunning], ...] = (
    (15, Dunning.LEGAL),
    (7, Dunning.ESCALATED),
    (3, Dunning.REMINDER),
)
_ORDER = (Dunning.NONE, Dunning.REMINDER, Dunning.ESCALATED, Dunning.LEGAL)


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    merchant_id: str
    amount: Money
    state: OrderState
    created_at: datetime
    buyer: str | None = None
    returned: int = 0
    shipped_at: datetime | None = None
    confirmed_at: datetime | None = None
    split_due_at: datetime | None = None
    split_done: bool = False
    dunning: Dunning = Dunning.NONE
    #: Goods that need no shipping (e.g. virtual goods): confirmed straight from ``paid``.
    no_shipping: bool = False
    #: Confirmed by the platform because the buyer let the days pass (自动确认收货).
    auto_confirmed: bool = False
    #: ``split_due_at`` rests on a working day estimated past the known calendar.
    split_due_provisional: bool = False

    @property
    def proceeds(self) -> Money:
        """What the merchant is owed for it: the amount less what was returned."""
        return Money(self.amount.minor - self.returned, self.amount.currency)

    @property
    def awaiting_split(self) -> bool:
        """Confirmed and not yet split: its proceeds wait in escrow."""
        return self.state is OrderState.CONFIRMED and not self.split_done

    def _refuse(self, action: str) -> Refused:
        return Refused("order_state", f"order {self.id} is {self.state.value}; cannot {action}")

    def ship(self, now: datetime) -> Order:
        if self.no_shipping:
            raise Refused("order_state", f"order {self.id} needs no shipping")
        if self.state is not OrderState.PAID:
            raise self._refuse("ship")
        return replace(self, state=OrderState.SHIPPED, shipped_at=now)

    def confirm(
        self,
        now: datetime,
        split_due_at: datetime,
        *,
        provisional: bool = False,
        auto: bool = False,
    ) -> Order:
        """Receipt confirmed (by the buyer, or by the platform with ``auto``); the split is due
        at ``split_due_at`` (``provisional`` if that rests on an estimated working day). Goods
        are shipped before they are received, unless they need no shipping."""
        if self.state is OrderState.PAID and not self.no_shipping:
            reason = Reason(ReasonCode.ORDER_NOT_SHIPPED, {"order": self.id})
            raise Refused(reason.code.value, reason.message_en, [reason])
        if self.state not in {OrderState.PAID, OrderState.SHIPPED}:
            raise self._refuse("confirm")
        return replace(
            self,
            state=OrderState.CONFIRMED,
            confirmed_at=now,
            split_due_at=split_due_at,
            split_due_provisional=provisional,
            auto_confirmed=auto,
        )

    def auto_confirm_due(self, now: datetime, days: int) -> bool:
        """Shipped ``days`` ago or more and still not confirmed by the buyer."""
        return (
            self.state is OrderState.SHIPPED
            and self.shipped_at is not None
            and now - self.shipped_at >= timedelta(days=days)
        )

    def after_sale_ends(self, days: int) -> datetime | None:
        """When returns stop being accepted: ``days`` after confirmation (7天无理由退货)."""
        return None if self.confirmed_at is None else self.confirmed_at + timedelta(days=days)

    def return_goods(self, amount: Money | None, now: datetime, after_sale_days: int) -> Order:
        """A whole or part return (退货): before confirmation at any time; after it, within
        ``after_sale_days`` (售后), whether or not the proceeds were split."""
        if self.state is OrderState.RETURNED:
            raise self._refuse("return")
        ends = self.after_sale_ends(after_sale_days)
        if self.state is OrderState.CONFIRMED and ends is not None and now > ends:
            reason = Reason(
                ReasonCode.AFTER_SALE_CLOSED,
                {
                    "order": self.id,
                    "confirmed_at": iso_local(self.confirmed_at) if self.confirmed_at else None,
                    "days": after_sale_days,
                    "ended_at": iso_local(ends),
                    "ended_local": local_text(ends),
                },
            )
            raise Refused(reason.code.value, reason.message_en, [reason])
        left = self.proceeds
        take = left if amount is None else amount
        if not take.is_positive or take > left:
            raise InvalidInput("amount", f"amount must be between 0.01 and {left.format()}")
        returned = self.returned + take.minor
        whole = returned == self.amount.minor
        return replace(self, returned=returned, state=OrderState.RETURNED if whole else self.state)

    def dunning_due(self, now: datetime) -> Dunning | None:
        """The dunning stage this order has reached and not yet recorded, if any."""
        if self.state is not OrderState.SHIPPED or self.shipped_at is None:
            return None
        days = (now - self.shipped_at).days
        for threshold, stage in DUNNING_DAYS:
            if days >= threshold:
                return stage if _ORDER.index(stage) > _ORDER.index(self.dunning) else None
        return None


def parse_order_id(text: str) -> str:
    return printable_text(text, "order", max_length=64, spaces=False)
