"""Planning one order's split (分账): who gets what of its proceeds, the funds book's transfers
and the supplier payouts to make."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from creditline.domain.errors import InvalidInput, InvariantViolation
from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.settlement.orders import Order
from creditline.domain.settlement.payouts import Payout, PayoutKind, PayoutStatus
from creditline.domain.settlement.splits import (
    DEFAULT_RULE,
    ShareKind,
    SplitRule,
    Supplier,
    allocate,
)


@dataclass(frozen=True, slots=True)
class SplitPlan:
    """An order's proceeds divided by a rule, one part per share in the rule's order.

    The repayment share is offered to the merchant's quota; only the quota knows how much of
    it is owed, so the transfers wait for ``repaid``, what it took. The rest of the repayment
    share is the merchant's, with its own share.
    """

    order: Order
    rule: SplitRule
    parts: tuple[Money, ...]
    payouts: tuple[Payout, ...]
    #: 商家贴息: the fee of the merchant's interest-free promotion, taken before the rule splits
    promotion_fee: Money | None = None

    @property
    def repayment(self) -> Money:
        """What the split offers the quota (occupancy oldest first, then late fees)."""
        return self._sum(ShareKind.REPAYMENT)

    def merchant_amount(self, repaid: Money) -> Money:
        """The merchant's own share and what the quota left of the repayment share."""
        if not Money.zero(repaid.currency) <= repaid <= self.repayment:
            raise InvariantViolation(
                f"the quota took {repaid.format()} of a repayment share of "
                f"{self.repayment.format()}"
            )
        return self._sum(ShareKind.MERCHANT) + self.repayment - repaid

    def receivable_paid(self, repaid: Money, owed: Money | None) -> Money:
        """What of the merchant's amount pays its receivable (应收: after-sale refunds its
        balance fell short of) first: all of it, up to ``owed``. Suppliers' parts and the
        quota's are other parties' money and never pay it."""
        own = self.merchant_amount(repaid)
        return own.min(owed) if owed is not None and owed.is_positive else Money.zero(own.currency)

    def transfers(self, repaid: Money, owed: Money | None = None) -> list[Transfer]:
        """Everything out of escrow: each supplier's part to its payable, ``repaid`` to
        repayment collected, the merchant's amount to its receivable while it owes one
        (``owed``), the rest to its balance."""
        order_id = self.order.id
        moves = [
            Transfer(Account.ESCROW, Account.SUPPLIER_PAYABLE, p.amount, Movement.SPLIT, sid)
            for p in self.payouts
            if (sid := p.supplier_id) is not None
        ]
        if self.promotion_fee is not None and self.promotion_fee.is_positive:
            moves.insert(
                0,
                Transfer(
                    Account.ESCROW,
                    Account.PROMOTION_FEES,
                    self.promotion_fee,
                    Movement.PROMOTION_FEE,
                    order_id,
                ),
            )
        if repaid.is_positive:
            moves.append(
                Transfer(
                    Account.ESCROW, Account.REPAYMENT_COLLECTED, repaid, Movement.SPLIT, order_id
                )
            )
        collected = self.receivable_paid(repaid, owed)
        if collected.is_positive:
            moves.append(
                Transfer(Account.ESCROW, Account.RECEIVABLE, collected, Movement.SPLIT, order_id)
            )
        own = self.merchant_amount(repaid) - collected
        if own.is_positive:
            moves.append(
                Transfer(Account.ESCROW, Account.MERCHANT_BALANCE, own, Movement.SPLIT, order_id)
            )
        return moves

    def _sum(self, kind: ShareKind) -> Money:
        return Money.total(
            (p for s, p in zip(self.rule.shares, self.parts, strict=True) if s.kind is kind),
            self.order.amount.currency,
        )


def plan_split(
    order: Order,
    rule: SplitRule | None,
    suppliers: Mapping[str, Supplier],
    *,
    now: datetime,
    payout_id: Callable[[], str],
    promotion_fee: Money | None = None,
) -> SplitPlan:
    """Split a confirmed order's proceeds by the merchant's rule (``None``: it has none, and
    the proceeds repay its quota first) exactly, by largest remainder, after ``promotion_fee``
    (商家贴息) is taken; each supplier's part
    becomes a payout due ``now``, its id from ``payout_id``."""
    rule = rule or DEFAULT_RULE
    currency = order.amount.currency
    fee = (promotion_fee or Money.zero(currency)).min(order.proceeds)
    parts = tuple(Money(p, currency) for p in allocate((order.proceeds - fee).minor, rule.shares))
    payouts: list[Payout] = []
    for share, part in zip(rule.shares, parts, strict=True):
        if share.kind is not ShareKind.SUPPLIER or not part.is_positive:
            continue
        supplier = suppliers.get(share.supplier_id or "")
        if supplier is None:
            raise InvalidInput("rule", f"supplier {share.supplier_id} is not on the whitelist")
        payouts.append(
            Payout(
                id=payout_id(),
                party_id=order.merchant_id,
                kind=PayoutKind.SUPPLIER,
                account=supplier.account,
                amount=part,
                status=PayoutStatus.PENDING,
                next_attempt_at=now,
                supplier_id=supplier.id,
                order_id=order.id,
            )
        )
    return SplitPlan(order, rule, parts, tuple(payouts), fee if fee.is_positive else None)
