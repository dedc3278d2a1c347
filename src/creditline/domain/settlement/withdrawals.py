"""Withdrawals (提现): only the merchant's own settled balance, and only from the working day
after it settled (T+1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from creditline.domain.money import Money
from creditline.domain.reasons import Reason, ReasonCode


class Lot(NamedTuple):
    """Money settled to the merchant that is not withdrawable yet: ``amount`` minor units from
    ``available_on``, ``provisional`` when that day is an estimate past the known calendar."""

    available_on: date
    amount: int
    provisional: bool = False


def withdrawable_now(balance: Money, maturing: Sequence[Lot]) -> Money:
    """What of ``balance`` can be withdrawn today: none of the lots still maturing (an
    after-sale refund may have taken the balance below them; then nothing)."""
    return Money(max(0, balance.minor - sum(lot.amount for lot in maturing)), balance.currency)


def withdrawal_refusal(amount: Money, balance: Money, maturing: Sequence[Lot]) -> Reason | None:
    """Why ``amount`` cannot be withdrawn from ``balance`` today, or None if it can.

    ``maturing`` is the part of the balance settled too recently, as lots in day order; the
    refusal names the first day enough of it has matured, so the merchant knows when to come
    back, and says ``provisional`` when that rests on an estimated working day.
    """
    if amount > balance:
        return Reason(
            ReasonCode.INSUFFICIENT_BALANCE,
            {"amount": amount.format(), "balance": balance.format()},
        )
    room = balance.minor - sum(lot.amount for lot in maturing)
    if amount.minor <= room:
        return None
    when, provisional = None, False
    for lot in maturing:
        room += lot.amount
        # A lot before the answer's day could move past it once its day is known.
        provisional = provisional or lot.provisional
        if room >= amount.minor:
            when = lot.available_on.isoformat()
            break
    return Reason(
        ReasonCode.FUNDS_NOT_YET_AVAILABLE,
        {
            "amount": amount.format(),
            "withdrawable": withdrawable_now(balance, maturing).format(),
            "available_on": when,
            "provisional": provisional,
        },
        clears_at=when,
    )
