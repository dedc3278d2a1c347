"""Orders (订单): a merchant's sale, from payment to the buyer's confirmation or a return."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.money import Money
from creditline.domain.text import printable_text


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
        if self.state is not OrderState.PAID:
            raise self._refuse("ship")
        return replace(self, state=OrderState.SHIPPED, shipped_at=now)

    def confirm(self, now: datetime, split_due_at: datetime) -> Order:
        if self.state not in {OrderState.PAID, OrderState.SHIPPED}:
            raise self._refuse("confirm")
        return replace(
            self, state=OrderState.CONFIRMED, confirmed_at=now, split_due_at=split_due_at
        )

    def return_goods(self, amount: Money | None) -> Order:
        """A whole or part return (退货) before the proceeds are split."""
        if self.split_done or self.state is OrderState.RETURNED:
            raise self._refuse("return")
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
