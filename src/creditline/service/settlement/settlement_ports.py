"""Ports of the settlement context (分账): orders, split rules, funds books, payouts, and the
payment channel."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from creditline.domain.ledger import Balances, PostedTransfer
from creditline.domain.settlement.orders import Order
from creditline.domain.settlement.payouts import (
    ChannelAnswer,
    ChannelFault,
    Payout,
    PayoutRecord,
)
from creditline.domain.settlement.splits import Share, SplitRule, Supplier
from creditline.domain.settlement.withdrawals import Lot
from creditline.service.ledger_posting import BookRepo


@dataclass(frozen=True, slots=True)
class LockedFunds:
    """A merchant's funds book read under its row lock, with the head of its chain."""

    party_id: str
    balances: Balances
    seq: int
    head_hash: str


class OrderRepo(Protocol):
    """Orders (订单), the merchant's suppliers and split rules (分账规则)."""

    def insert_order(self, order: Order) -> None:
        """Store a new order."""

    def get_order(self, order_id: str) -> Order:
        """An order (NotFound if none)."""

    def order_exists(self, order_id: str) -> bool:
        """Whether an order with this id exists."""

    def update_order(self, order: Order, split_id: str | None = None) -> None:
        """Store an order's new state (and the split that settled it)."""

    def due_splits(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(merchant, order) of confirmed orders whose split is due."""

    def shipped_before(self, cutoff: datetime) -> list[str]:
        """Shipped, unconfirmed orders shipped before ``cutoff`` (not yet at the last dunning
        stage)."""

    def unconfirmed_shipped_before(self, cutoff: datetime, limit: int) -> list[str]:
        """Shipped orders still unconfirmed that were shipped by ``cutoff``, oldest first."""

    def insert_supplier(self, supplier: Supplier, now: datetime) -> None:
        """Whitelist a supplier."""

    def suppliers_of(self, merchant_id: str) -> dict[str, Supplier]:
        """A merchant's whitelisted suppliers by id."""

    def insert_split_rule(self, merchant_id: str, shares: Sequence[Share], now: datetime) -> int:
        """Store a new version of a merchant's split rule; returns the version."""

    def split_rule(self, merchant_id: str) -> SplitRule | None:
        """The merchant's current split rule, if any."""


class FundsRepo(BookRepo, Protocol):
    """The merchant's funds book (资金账本): money, apart from the quota book."""

    def lock_funds(self, party_id: str, currency: str, now: datetime) -> LockedFunds:
        """The funds book under its row lock, created empty on first use."""

    def funds_balances(self, party_id: str) -> Balances | None:
        """The book's stored balances, or None if it has none."""

    def funds_party_ids(self) -> list[str]:
        """Every party with a funds book."""

    def funds_head(self, party_id: str) -> tuple[int, str, Balances]:
        """The stored head (seq, hash) and balances of a funds book."""

    def funds_transfers_of(self, party_id: str) -> Iterator[PostedTransfer]:
        """The funds book's transfers in chain order."""

    def insert_settlement(
        self,
        *,
        party_id: str,
        lot_id: str,
        amount: int,
        source: str,
        settled_at: datetime,
        available_on: date,
        provisional: bool,
    ) -> None:
        """Record money settled to the merchant and the day it becomes withdrawable
        (``provisional`` when that day is an estimate)."""

    def pending_settlements(self, party_id: str, today: date) -> list[Lot]:
        """Settled money not yet withdrawable on ``today``, in day order."""


class PayoutRepo(Protocol):
    """Payouts (出款), the channel's own records, and cases for operators."""

    def insert_payout(self, payout: Payout, now: datetime) -> None:
        """Store a new payout."""

    def get_payout(self, payout_id: str) -> Payout:
        """A payout (NotFound if none)."""

    def update_payout(self, payout: Payout, now: datetime) -> None:
        """Store a payout's new state."""

    def due_payouts(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(party, payout) of payouts due to be tried."""

    def payouts(self, party_id: str | None) -> list[PayoutRecord]:
        """Payouts, of one party or all, oldest first."""

    def paid_payouts_between(self, start: datetime, end: datetime) -> list[Payout]:
        """Payouts the ledger paid in [start, end)."""

    def payout_records(self, payout_ids: Sequence[str]) -> list[PayoutRecord]:
        """The stored payouts among ``payout_ids``, with when each was paid, whatever the day."""

    def channel_paid(self, payout_id: str) -> str | None:
        """The channel's reference if it recorded the payout paid."""

    def channel_record(
        self,
        *,
        payout_id: str,
        attempt: int,
        outcome: str,
        amount: int,
        account: str,
        channel_ref: str | None,
        now: datetime,
    ) -> None:
        """The channel's own record of an attempt; a second 'paid' is refused."""

    def channel_paid_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The channel's paid records in [start, end): payout, amount, channel_ref,
        answered_at."""

    def channel_paid_records(self, payout_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The channel's paid records of ``payout_ids``, whatever the day, shaped as
        ``channel_paid_between``'s."""

    def open_case(
        self,
        *,
        case_id: str,
        kind: str,
        party_id: str | None,
        subject: str,
        details: dict[str, Any],
        now: datetime,
    ) -> None:
        """Open a case for an operator."""

    def cases(self) -> list[dict[str, Any]]:
        """Every case, oldest first."""


class PaymentChannel(Protocol):
    """A payment channel (支付通道). ``pay`` is idempotent per payout id: a payout the channel
    already paid is answered as paid again, never paid twice."""

    def pay(self, payout: Payout, attempt: int, now: datetime) -> ChannelAnswer:
        """Attempt ``payout`` once; the answer says whether it was paid."""

    def fail_next(self, count: int, error: ChannelFault) -> None:
        """Sandbox only: the next ``count`` attempts fail with ``error``."""
