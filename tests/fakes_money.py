"""In-memory fakes of the settlement ports: orders, suppliers and split rules, funds books,
payouts, the channel's records and cases (see ``tests/fakes.py``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from creditline.domain.errors import Conflict, NotFound, StorageError
from creditline.domain.ledger import FUNDS_BOOK, GENESIS_HASH, Balances, PostedTransfer, Posting
from creditline.domain.settlement.orders import Dunning, Order, OrderState
from creditline.domain.settlement.payouts import Payout, PayoutRecord, PayoutStatus
from creditline.domain.settlement.splits import Share, SplitRule, Supplier
from creditline.domain.settlement.withdrawals import Lot
from creditline.domain.workdays import iso_local
from creditline.service.settlement.settlement_ports import LockedFunds

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeOrders:
    """The ``orders`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def insert_order(self, order: Order) -> None:
        if order.id in self.s.orders:
            raise StorageError("the database refused the write: constraint pk_orders")
        self.s.orders[order.id] = {"order": order, "split_id": None}

    def get_order(self, order_id: str) -> Order:
        row = self.s.orders.get(order_id)
        if row is None:
            raise NotFound("order", f"order: no such order {order_id!r}")
        return replace(row["order"], split_done=row["split_id"] is not None)

    def order_exists(self, order_id: str) -> bool:
        return order_id in self.s.orders

    def update_order(self, order: Order, split_id: str | None = None) -> None:
        row = self.s.orders[order.id]
        row["order"] = order
        if split_id is not None:
            row["split_id"] = split_id

    def due_splits(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = sorted(
            (r["order"].split_due_at, r["order"].merchant_id, oid)
            for oid, r in self.s.orders.items()
            if r["split_id"] is None
            and r["order"].state is OrderState.CONFIRMED
            and r["order"].split_due_at is not None
            and r["order"].split_due_at <= now
        )
        return [(m, oid) for _, m, oid in due[:limit]]

    def shipped_before(self, cutoff: datetime) -> list[str]:
        rows = sorted(
            (r["order"].shipped_at, oid)
            for oid, r in self.s.orders.items()
            if r["order"].state is OrderState.SHIPPED
            and r["order"].shipped_at is not None
            and r["order"].shipped_at <= cutoff
            and r["order"].dunning is not Dunning.LEGAL
        )
        return [oid for _, oid in rows]

    def unconfirmed_shipped_before(self, cutoff: datetime, limit: int) -> list[str]:
        rows = sorted(
            (r["order"].shipped_at, oid)
            for oid, r in self.s.orders.items()
            if r["order"].state is OrderState.SHIPPED
            and r["order"].shipped_at is not None
            and r["order"].shipped_at <= cutoff
        )
        return [oid for _, oid in rows[:limit]]

    def insert_supplier(self, supplier: Supplier, now: datetime) -> None:
        self.s.suppliers[supplier.id] = supplier

    def suppliers_of(self, merchant_id: str) -> dict[str, Supplier]:
        return {k: v for k, v in self.s.suppliers.items() if v.merchant_id == merchant_id}

    def insert_split_rule(self, merchant_id: str, shares: Sequence[Share], now: datetime) -> int:
        rules = self.s.split_rules.setdefault(merchant_id, [])
        rules.append(SplitRule(len(rules) + 1, tuple(shares)))
        return len(rules)

    def split_rule(self, merchant_id: str) -> SplitRule | None:
        rules = self.s.split_rules.get(merchant_id)
        return rules[-1] if rules else None


class FakeFunds:
    """The ``funds`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def lock_funds(self, party_id: str, currency: str, now: datetime) -> LockedFunds:
        row = self.s.funds.setdefault(
            party_id,
            {"balances": Balances.empty(FUNDS_BOOK, currency), "seq": 0, "head_hash": GENESIS_HASH},
        )
        self.s.funds_transfers.setdefault(party_id, [])
        return LockedFunds(party_id, row["balances"], row["seq"], row["head_hash"])

    def funds_balances(self, party_id: str) -> Balances | None:
        row = self.s.funds.get(party_id)
        return None if row is None else row["balances"]

    def append(self, posting: Posting) -> None:
        if not posting.transfers:
            return
        party_id = posting.before.book_id
        row = self.s.funds[party_id]
        if row["seq"] != posting.before.seq:
            raise Conflict(f"funds book {party_id} moved under its lock")
        self.s.funds_transfers[party_id].extend(posting.transfers)
        after = posting.after
        row.update(balances=after.balances, seq=after.seq, head_hash=after.hash)
        self.s.moved["funds", party_id] = after

    def funds_party_ids(self) -> list[str]:
        return sorted(self.s.funds)

    def funds_head(self, party_id: str) -> tuple[int, str, Balances]:
        row = self.s.funds[party_id]
        return row["seq"], row["head_hash"], row["balances"]

    def funds_transfers_of(self, party_id: str) -> Iterator[PostedTransfer]:
        return iter(list(self.s.funds_transfers.get(party_id, [])))

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
        self.s.settlements.append(
            {
                "party_id": party_id,
                "id": lot_id,
                "amount": amount,
                "available_on": available_on,
                "provisional": provisional,
            }
        )

    def pending_settlements(self, party_id: str, today: date) -> list[Lot]:
        lots = [
            Lot(r["available_on"], r["amount"], r["provisional"])
            for r in self.s.settlements
            if r["party_id"] == party_id and r["available_on"] > today
        ]
        return sorted(lots, key=lambda lot: lot.available_on)


class FakePayouts:
    """The ``payouts`` port in memory (the channel's own records and cases included)."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def insert_payout(self, payout: Payout, now: datetime) -> None:
        self.s.payouts[payout.id] = {"payout": payout, "created_at": now, "paid_at": None}

    def get_payout(self, payout_id: str) -> Payout:
        row = self.s.payouts.get(payout_id)
        if row is None:
            raise NotFound("payout", f"payout: no such payout {payout_id!r}")
        payout: Payout = row["payout"]
        return payout

    def update_payout(self, payout: Payout, now: datetime) -> None:
        row = self.s.payouts[payout.id]
        row["payout"] = payout
        if payout.status is PayoutStatus.PAID:
            row["paid_at"] = now

    def due_payouts(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = sorted(
            (r["payout"].next_attempt_at, pid, r["payout"].party_id)
            for pid, r in self.s.payouts.items()
            if r["payout"].status is PayoutStatus.PENDING and r["payout"].next_attempt_at <= now
        )
        return [(party, pid) for _, pid, party in due[:limit]]

    def payouts(self, party_id: str | None) -> list[PayoutRecord]:
        rows = sorted(self.s.payouts.values(), key=lambda r: (r["created_at"], r["payout"].id))
        return [
            PayoutRecord(r["payout"], r["created_at"], r["paid_at"])
            for r in rows
            if party_id is None or r["payout"].party_id == party_id
        ]

    def paid_payouts_between(self, start: datetime, end: datetime) -> list[Payout]:
        return [
            r["payout"]
            for r in self.s.payouts.values()
            if r["paid_at"] is not None and start <= r["paid_at"] < end
        ]

    def payout_records(self, payout_ids: Sequence[str]) -> list[PayoutRecord]:
        rows = [self.s.payouts[pid] for pid in payout_ids if pid in self.s.payouts]
        return [PayoutRecord(r["payout"], r["created_at"], r["paid_at"]) for r in rows]

    def channel_paid(self, payout_id: str) -> str | None:
        for r in self.s.channel_records:
            if r["payout_id"] == payout_id and r["outcome"] == "paid":
                return str(r["channel_ref"])
        return None

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
        if outcome == "paid" and self.channel_paid(payout_id) is not None:
            raise StorageError("the database refused the write: a second paid record")
        self.s.channel_records.append(
            {
                "payout_id": payout_id,
                "attempt": attempt,
                "outcome": outcome,
                "amount": amount,
                "account": account,
                "channel_ref": channel_ref,
                "answered_at": now,
            }
        )

    def channel_paid_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        return [
            _channel_paid(r)
            for r in self.s.channel_records
            if r["outcome"] == "paid" and start <= r["answered_at"] < end
        ]

    def channel_paid_records(self, payout_ids: Sequence[str]) -> list[dict[str, Any]]:
        wanted = set(payout_ids)
        rows = [
            r for r in self.s.channel_records if r["outcome"] == "paid" and r["payout_id"] in wanted
        ]
        return [_channel_paid(r) for r in sorted(rows, key=lambda r: r["answered_at"])]

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
        self.s.cases.append(
            {
                "id": case_id,
                "kind": kind,
                "party": party_id,
                "subject": subject,
                "status": "open",
                "details": copy.deepcopy(details),
                "opened_at": iso_local(now),
            }
        )

    def cases(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.s.cases)


def _channel_paid(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "payout": r["payout_id"],
        "amount": r["amount"],
        "channel_ref": r["channel_ref"],
        "answered_at": r["answered_at"],
    }
