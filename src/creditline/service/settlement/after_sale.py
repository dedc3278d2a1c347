"""After-sale refunds (售后退款) of orders already split (分账): the merchant pays the refund.

The split sent the proceeds on (to suppliers, to the quota, to the merchant), so the refund is
taken back from the merchant's settled balance; what the balance falls short of becomes a
receivable (应收) that the merchant's next splits pay before anything reaches its balance
(``SplitPlan.receivable_paid``). Suppliers keep what they were paid, and the quota repayment the
split made stands: undoing it would occupy quota the merchant already has back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.settlement.orders import Order
from creditline.service.settlement.funds import post_funds
from creditline.service.uow import UnitOfWork


def take_back_after_split(
    uow: UnitOfWork, order: Order, taken: Money, now: datetime
) -> dict[str, Any]:
    """Refund ``taken`` of a split order in the caller's transaction: from the merchant's
    balance first, the rest as a receivable; every fen leaves the platform's clearing."""
    merchant = order.merchant_id
    locked = uow.funds.lock_funds(merchant, taken.currency, now)
    from_balance = taken.min(locked.balances.merchant_balance)
    owed = taken - from_balance
    transfers = [
        Transfer(account, Account.CLEARING, part, Movement.RETURN, order.id)
        for account, part in ((Account.MERCHANT_BALANCE, from_balance), (Account.RECEIVABLE, owed))
        if part.is_positive
    ]
    after = post_funds(uow, merchant, order.id, now, transfers)
    body = {
        "order": order.id,
        "refund": taken.format(),
        "from_balance": from_balance.format(),
        "to_receivable": owed.format(),
        "merchant_balance": after.merchant_balance.format(),
        "receivable": after[Account.RECEIVABLE].format(),
    }
    uow.events.emit("order.after_sale_refund", body, now, party_id=merchant)
    if owed.is_positive:
        uow.events.emit("receivable.raised", body, now, party_id=merchant)
    return body
