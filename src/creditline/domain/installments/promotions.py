"""A merchant's interest-free promotion (商家贴息 / 免息): for the tenors it names, between its
dates and up to its cap, the shopper pays no fee and the merchant pays it out of the order's
proceeds at the split (分账)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from creditline.domain.errors import InvalidInput
from creditline.domain.installments.schedule import TENORS
from creditline.domain.money import Money


class PromotionStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


def parse_tenors(text: str) -> tuple[int, ...]:
    """``"3,6,12"`` → (3, 6, 12): each one of the tenors, none twice."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    try:
        tenors = tuple(sorted({int(p) for p in parts}))
    except ValueError:
        raise InvalidInput("periods", "periods must list 3, 6 or 12, like 3,6,12") from None
    if not tenors or any(t not in TENORS for t in tenors) or len(tenors) != len(parts):
        raise InvalidInput("periods", "periods must list 3, 6 or 12 once each, like 3,6,12")
    return tenors


@dataclass(frozen=True, slots=True)
class Promotion:
    id: str
    merchant_id: str
    name: str
    tenors: tuple[int, ...]
    starts_on: date
    ends_on: date
    cap: Money  # the most the merchant pays in fees under it, in all
    used: Money  # fees committed by purchases so far
    status: PromotionStatus
    created_at: datetime
    ended_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise InvalidInput("ends_on", "ends_on must not be before starts_on")
        if not self.cap.is_positive:
            raise InvalidInput("cap", "cap must be positive")

    @property
    def left(self) -> Money:
        return self.cap - self.used

    def check_applies(self, merchant_id: str, periods: int, today: date, fee: Money) -> None:
        """Refuse, naming ``promotion``, a purchase the promotion does not cover."""
        if merchant_id != self.merchant_id:
            raise InvalidInput("promotion", f"promotion {self.id} is not merchant {merchant_id}'s")
        if self.status is not PromotionStatus.ACTIVE:
            raise InvalidInput("promotion", f"promotion {self.id} has ended")
        if not self.starts_on <= today <= self.ends_on:
            raise InvalidInput(
                "promotion",
                f"promotion {self.id} runs from {self.starts_on} to {self.ends_on}",
            )
        if periods not in self.tenors:
            tenors = ",".join(str(t) for t in self.tenors)
            raise InvalidInput("promotion", f"promotion {self.id} covers {tenors} periods only")
        if fee > self.left:
            raise InvalidInput(
                "promotion",
                f"promotion {self.id} has {self.left.format()} left of its cap; this purchase's "
                f"fee is {fee.format()}",
            )
