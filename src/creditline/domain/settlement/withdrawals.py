"""Withdrawals (提现): only the merchant's own settled balance, and only from the working day
after it settled (T+1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from creditline.domain.money import Money
from creditline.domain.reasons import Reason, ReasonCode


def withdrawal_refusal(
    amount: Money, balance: Money, maturing: Sequence[tuple[date, int]]
) -> Reason | None:
    """Why ``amount`` cannot be withdrawn from ``balance`` today, or None if it can.

    ``maturing`` is the part of the balance settled too recently, as (day it becomes
    withdrawable, minor units) in day order; the refusal names the first day enough of it has
    matured, so the merchant knows when to come back.
    """
    if amount > balance:
        return Reason(
            ReasonCode.INSUFFICIENT_BALANCE,
            {"amount": amount.format(), "balance": balance.format()},
        )
    withdrawable = balance.minor - sum(lot for _, lot in maturing)
    if amount.minor <= withdrawable:
        return None
    room, when = withdrawable, None
    for day, lot in maturing:
        room += lot
        if room >= amount.minor:
            when = day.isoformat()
            break
    return Reason(
        ReasonCode.FUNDS_NOT_YET_AVAILABLE,
        {
            "amount": amount.format(),
            "withdrawable": Money(withdrawable, amount.currency).format(),
            "available_on": when,
        },
        clears_at=when,
    )
