"""A merchant's money at a glance (资金概览): every figure read from its funds book, and when
what was settled lately becomes withdrawable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from creditline.domain.errors import InvalidInput, NotFound
from creditline.domain.ledger import FUNDS_BOOK, Account, Balances, Movement
from creditline.domain.money import Money
from creditline.domain.quota.parties import PartyKind
from creditline.domain.settlement.withdrawals import Lot, withdrawable_now
from creditline.domain.workdays import iso_local, local_date
from creditline.service.idempotency import Answer
from creditline.service.uow import Database


def show_funds(db: Database, merchant_id: str) -> Answer:
    """The merchant's settled balance and what of it is withdrawable today, escrow awaiting
    splits, withdrawals on their way, the receivable (应收) of after-sale refunds, the
    compensation received, and the lots still maturing (T+1) by day, each day marked
    ``provisional`` when it is an estimate past the known calendar."""
    with db.transaction(write=False) as uow:
        try:
            party = uow.parties.get_party(merchant_id)
        except NotFound:
            raise NotFound("merchant", f"merchant: no such party {merchant_id!r}") from None
        if party.kind is not PartyKind.MERCHANT:
            raise InvalidInput("merchant", "funds belong to merchants")
        now = uow.reference.now()
        stored = uow.funds.funds_balances(merchant_id)
        book = stored or Balances.empty(FUNDS_BOOK, "CNY")
        maturing = uow.funds.pending_settlements(merchant_id, local_date(now))
        promotion_fees = (
            [
                {
                    "order": p.transfer.ref,
                    "amount": p.transfer.amount.format(),
                    "at": iso_local(p.created_at),
                }
                for p in uow.funds.funds_transfers_of(merchant_id)
                if p.transfer.movement is Movement.PROMOTION_FEE
            ]
            if book[Account.PROMOTION_FEES].is_positive
            else []
        )
    balance = book.merchant_balance
    return Answer(
        {
            "merchant": merchant_id,
            "currency": book.currency,
            "at": iso_local(now),
            "merchant_balance": balance.format(),
            "withdrawable_now": withdrawable_now(balance, maturing).format(),
            "escrow": book.escrow.format(),
            "withdrawals_on_their_way": book[Account.WITHDRAWAL_PAYABLE].format(),
            "receivable": book[Account.RECEIVABLE].format(),
            "compensation_received": book[Account.COMPENSATION_EXPENSE].format(),
            "supplier_payable": book.supplier_payable.format(),
            # 商家贴息: the installment fees its interest-free promotions paid, order by order
            "promotion_fees": book[Account.PROMOTION_FEES].format(),
            "promotion_fee_lines": promotion_fees,
            "maturing": _by_day(maturing, book.currency),
        }
    )


def _by_day(lots: Sequence[Lot], currency: str) -> list[dict[str, Any]]:
    """The lots summed per day they become withdrawable, in day order."""
    days: dict[date, tuple[int, bool]] = {}
    for lot in lots:
        amount, provisional = days.get(lot.available_on, (0, False))
        days[lot.available_on] = (amount + lot.amount, provisional or lot.provisional)
    return [
        {
            "available_on": day.isoformat(),
            "amount": Money(amount, currency).format(),
            "provisional": provisional,
        }
        for day, (amount, provisional) in sorted(days.items())
    ]
