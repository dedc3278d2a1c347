"""SQL for settlement: orders, suppliers, split rules, funds books, payouts, channel, cases."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from creditline.adapters.db import tables as t
from creditline.domain.errors import NotFound
from creditline.domain.ledger import (
    GENESIS_HASH,
    Account,
    FundsBalances,
    Movement,
    PostedTransfer,
    Transfer,
)
from creditline.domain.money import Money
from creditline.domain.orders import Dunning, Order, OrderState
from creditline.domain.payouts import Payout, PayoutKind, PayoutStatus
from creditline.domain.splits import Share, ShareKind, SplitRule, SupplierTier
from creditline.service.settlement_ports import LockedFunds, Supplier

_FUNDS_COLUMNS = (
    "clearing",
    "escrow",
    "repayment_collected",
    "supplier_payable",
    "merchant_balance",
    "withdrawal_payable",
    "compensation_expense",
)


class SettlementSql:
    """Mixed into ``SqlStore``; uses its ``_exec``."""

    def _exec(self, statement: Any, params: Any = None) -> Any:  # pragma: no cover - mixin
        raise NotImplementedError

    # -- orders ------------------------------------------------------------------------------
    def insert_order(self, order: Order) -> None:
        self._exec(insert(t.orders), _order_row(order))

    def get_order(self, order_id: str) -> Order:
        row = self._exec(select(t.orders).where(t.orders.c.id == order_id)).first()
        if row is None:
            raise NotFound("order", f"order: no such order {order_id!r}")
        return _order(row)

    def order_exists(self, order_id: str) -> bool:
        return (
            self._exec(select(t.orders.c.id).where(t.orders.c.id == order_id)).first() is not None
        )

    def update_order(self, order: Order, split_id: str | None = None) -> None:
        values = _order_row(order)
        values.pop("id")
        if split_id is not None:
            values["split_id"] = split_id
        self._exec(update(t.orders).where(t.orders.c.id == order.id).values(**values))

    def order_split_id(self, order_id: str) -> str | None:
        return _text(
            self._exec(
                select(t.orders.c.split_id).where(t.orders.c.id == order_id)
            ).scalar_one_or_none()
        )

    def due_splits(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._exec(
            select(t.orders.c.merchant_id, t.orders.c.id)
            .where(
                t.orders.c.split_id.is_(None),
                t.orders.c.split_due_at <= now,
                t.orders.c.state == OrderState.CONFIRMED.value,
            )
            .order_by(t.orders.c.split_due_at)
            .limit(limit)
        )
        return [(r.merchant_id, r.id) for r in rows]

    def shipped_before(self, cutoff: datetime) -> list[str]:
        rows = self._exec(
            select(t.orders.c.id)
            .where(
                t.orders.c.state == OrderState.SHIPPED.value,
                t.orders.c.shipped_at <= cutoff,
                t.orders.c.dunning != Dunning.LEGAL.value,
            )
            .order_by(t.orders.c.shipped_at)
        )
        return [r.id for r in rows]

    # -- suppliers and split rules ----------------------------------------------------------
    def insert_supplier(self, supplier: Supplier, now: datetime) -> None:
        self._exec(
            insert(t.suppliers),
            {
                "id": supplier.id,
                "merchant_id": supplier.merchant_id,
                "name": supplier.name,
                "tier": supplier.tier.value,
                "account": supplier.account,
                "created_at": now,
            },
        )

    def suppliers_of(self, merchant_id: str) -> dict[str, Supplier]:
        rows = self._exec(select(t.suppliers).where(t.suppliers.c.merchant_id == merchant_id))
        return {
            r.id: Supplier(r.id, r.merchant_id, r.name, SupplierTier(r.tier), r.account)
            for r in rows
        }

    def insert_split_rule(self, merchant_id: str, shares: Sequence[Share], now: datetime) -> int:
        current = self.split_rule(merchant_id)
        version = 1 if current is None else current.version + 1
        rule = SplitRule(version, tuple(shares))
        self._exec(
            insert(t.split_rules),
            {
                "merchant_id": merchant_id,
                "version": version,
                "rule": rule.text(),
                "repayment_bp": rule.repayment_bp,
                "created_at": now,
            },
        )
        return version

    def split_rule(self, merchant_id: str) -> SplitRule | None:
        row = self._exec(
            select(t.split_rules)
            .where(t.split_rules.c.merchant_id == merchant_id)
            .order_by(t.split_rules.c.version.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return SplitRule(row.version, tuple(_share(p) for p in row.rule.split(",")))

    # -- the funds book -----------------------------------------------------------------------
    def lock_funds(self, party_id: str, currency: str, now: datetime) -> LockedFunds:
        query = select(t.funds_books).where(t.funds_books.c.party_id == party_id)
        row = self._exec(query.with_for_update()).first()
        if row is None:
            self._exec(
                insert(t.funds_books),
                {
                    "party_id": party_id,
                    "currency": currency,
                    "head_hash": GENESIS_HASH,
                    "updated_at": now,
                },
            )
            row = self._exec(query.with_for_update()).one()
        balances = FundsBalances(row.currency, **{c: getattr(row, c) for c in _FUNDS_COLUMNS})
        return LockedFunds(party_id, balances, row.seq, row.head_hash)

    def funds_balances(self, party_id: str) -> FundsBalances | None:
        row = self._exec(select(t.funds_books).where(t.funds_books.c.party_id == party_id)).first()
        if row is None:
            return None
        return FundsBalances(row.currency, **{c: getattr(row, c) for c in _FUNDS_COLUMNS})

    def post_funds(
        self, locked: LockedFunds, posted: Sequence[PostedTransfer], balances: FundsBalances
    ) -> None:
        if not posted:
            return
        self._exec(insert(t.funds_transfers), transfer_rows(posted, "party_id", at=None))
        last = posted[-1]
        result = self._exec(
            update(t.funds_books)
            .where(t.funds_books.c.party_id == locked.party_id, t.funds_books.c.seq == locked.seq)
            .values(
                seq=last.seq,
                head_hash=last.hash,
                updated_at=last.created_at,
                **{c: getattr(balances, c) for c in _FUNDS_COLUMNS},
            )
        )
        if result.rowcount != 1:
            raise RuntimeError(f"funds book {locked.party_id} moved under its lock")

    def funds_party_ids(self) -> list[str]:
        return [
            r.party_id
            for r in self._exec(select(t.funds_books.c.party_id).order_by(t.funds_books.c.party_id))
        ]

    def funds_head(self, party_id: str) -> tuple[int, str, FundsBalances]:
        row = self._exec(select(t.funds_books).where(t.funds_books.c.party_id == party_id)).one()
        balances = FundsBalances(row.currency, **{c: getattr(row, c) for c in _FUNDS_COLUMNS})
        return row.seq, row.head_hash, balances

    def funds_transfers_of(self, party_id: str) -> Iterator[PostedTransfer]:
        return self.book_transfers(t.funds_transfers, t.funds_transfers.c.party_id, party_id)

    def book_transfers(self, table: Any, book_column: Any, book: str) -> Iterator[PostedTransfer]:
        """The transfers of one book (a line's or a merchant's funds) in chain order."""
        rows = self._exec(select(table).where(book_column == book).order_by(table.c.seq))
        for r in rows:
            transfer = Transfer(
                Account(r.debit_account),
                Account(r.credit_account),
                Money(r.amount, r.currency),
                Movement(r.movement),
                r.ref,
            )
            yield PostedTransfer(
                book, r.seq, r.movement_id, transfer, r.created_at, r.prev_hash, r.hash
            )

    # -- settlement lots (T+1) ----------------------------------------------------------------
    def insert_settlement(
        self,
        *,
        party_id: str,
        lot_id: str,
        amount: int,
        source: str,
        settled_at: datetime,
        available_on: date,
    ) -> None:
        self._exec(
            insert(t.settlements),
            {
                "party_id": party_id,
                "id": lot_id,
                "amount": amount,
                "source": source,
                "settled_at": settled_at,
                "available_on": available_on,
            },
        )

    def pending_settlements(self, party_id: str, today: date) -> list[tuple[date, int]]:
        rows = self._exec(
            select(t.settlements.c.available_on, t.settlements.c.amount)
            .where(t.settlements.c.party_id == party_id, t.settlements.c.available_on > today)
            .order_by(t.settlements.c.available_on)
        )
        return [(r.available_on, r.amount) for r in rows]

    # -- payouts and the channel's records ----------------------------------------------------
    def insert_payout(self, payout: Payout, now: datetime) -> None:
        self._exec(insert(t.payouts), {**_payout_row(payout), "created_at": now})

    def get_payout(self, payout_id: str) -> Payout:
        row = self._exec(select(t.payouts).where(t.payouts.c.id == payout_id)).first()
        if row is None:
            raise NotFound("payout", f"payout: no such payout {payout_id!r}")
        return _payout(row)

    def update_payout(self, payout: Payout, now: datetime) -> None:
        values = _payout_row(payout)
        values.pop("id")
        if payout.status is PayoutStatus.PAID:
            values["paid_at"] = now
        self._exec(update(t.payouts).where(t.payouts.c.id == payout.id).values(**values))

    def due_payouts(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._exec(
            select(t.payouts.c.party_id, t.payouts.c.id)
            .where(
                t.payouts.c.status == PayoutStatus.PENDING.value, t.payouts.c.next_attempt_at <= now
            )
            .order_by(t.payouts.c.next_attempt_at, t.payouts.c.id)
            .limit(limit)
        )
        return [(r.party_id, r.id) for r in rows]

    def payouts(self, party_id: str | None) -> list[dict[str, Any]]:
        query = select(t.payouts)
        if party_id is not None:
            query = query.where(t.payouts.c.party_id == party_id)
        rows = self._exec(query.order_by(t.payouts.c.created_at, t.payouts.c.id))
        return [
            {
                **_payout_json(_payout(r)),
                "created_at": r.created_at.isoformat(),
                "paid_at": r.paid_at.isoformat() if r.paid_at else None,
            }
            for r in rows
        ]

    def paid_payouts_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        rows = self._exec(
            select(t.payouts).where(t.payouts.c.paid_at >= start, t.payouts.c.paid_at < end)
        )
        return [{"payout": r.id, "amount": r.amount, "channel_ref": r.channel_ref} for r in rows]

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
        self._exec(
            insert(t.channel_records),
            {
                "payout_id": payout_id,
                "attempt": attempt,
                "outcome": outcome,
                "amount": amount,
                "account": account,
                "channel_ref": channel_ref,
                "answered_at": now,
            },
        )

    def channel_paid(self, payout_id: str) -> str | None:
        return _text(
            self._exec(
                select(t.channel_records.c.channel_ref).where(
                    t.channel_records.c.payout_id == payout_id,
                    t.channel_records.c.outcome == "paid",
                )
            ).scalar_one_or_none()
        )

    def channel_paid_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        rows = self._exec(
            select(t.channel_records).where(
                t.channel_records.c.outcome == "paid",
                t.channel_records.c.answered_at >= start,
                t.channel_records.c.answered_at < end,
            )
        )
        return [
            {"payout": r.payout_id, "amount": r.amount, "channel_ref": r.channel_ref} for r in rows
        ]

    # -- cases ---------------------------------------------------------------------------------
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
        self._exec(
            insert(t.cases),
            {
                "id": case_id,
                "kind": kind,
                "party_id": party_id,
                "subject": subject,
                "status": "open",
                "details": json.dumps(details, ensure_ascii=False, default=str),
                "opened_at": now,
            },
        )

    def cases(self) -> list[dict[str, Any]]:
        rows = self._exec(select(t.cases).order_by(t.cases.c.opened_at, t.cases.c.id))
        return [
            {
                "id": r.id,
                "kind": r.kind,
                "party": r.party_id,
                "subject": r.subject,
                "status": r.status,
                "details": json.loads(r.details),
                "opened_at": r.opened_at.isoformat(),
            }
            for r in rows
        ]

    # -- lines of a party, statements ----------------------------------------------------------
    def lines_of_party(self, party_id: str) -> list[str]:
        rows = self._exec(
            select(t.lines.c.id)
            .where(t.lines.c.party_id == party_id)
            .order_by(t.lines.c.created_at, t.lines.c.id)
        )
        return [r.id for r in rows]

    def order_refs(self, line_id: str) -> dict[str, str | None]:
        """Order id for each hold and occupancy id of a line (statement references)."""
        refs: dict[str, str | None] = {}
        for r in self._exec(
            select(t.holds.c.id, t.holds.c.order_id).where(t.holds.c.line_id == line_id)
        ):
            refs[r.id] = r.order_id
        for r in self._exec(
            select(t.occupancies.c.id, t.occupancies.c.order_id).where(
                t.occupancies.c.line_id == line_id
            )
        ):
            refs[r.id] = r.order_id
        return refs

    def meta_value(self, key: str) -> str | None:
        return _text(
            self._exec(select(t.meta.c.value).where(t.meta.c.key == key)).scalar_one_or_none()
        )

    def set_meta_value(self, key: str, value: str) -> None:
        if self.meta_value(key) is None:
            self._exec(insert(t.meta), {"key": key, "value": value})
        else:
            self._exec(update(t.meta).where(t.meta.c.key == key).values(value=value))

    def count_rows(self, table: str) -> int:
        return int(
            self._exec(select(func.count()).select_from(t.metadata.tables[table])).scalar_one()
        )


def transfer_rows(
    posted: Sequence[PostedTransfer], book_key: str, *, at: Any
) -> list[dict[str, Any]]:
    """Rows for a transfers table; ``at`` overrides ``created_at`` (the driver's time text)."""
    return [
        {
            book_key: p.line_id,
            "seq": p.seq,
            "movement_id": p.movement_id,
            "movement": p.transfer.movement.value,
            "debit_account": p.transfer.debit.value,
            "credit_account": p.transfer.credit.value,
            "amount": p.transfer.amount.minor,
            "currency": p.transfer.amount.currency,
            "ref": p.transfer.ref,
            "created_at": p.created_at if at is None else at,
            "prev_hash": p.prev_hash,
            "hash": p.hash,
        }
        for p in posted
    ]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _order_row(o: Order) -> dict[str, Any]:
    return {
        "id": o.id,
        "merchant_id": o.merchant_id,
        "amount": o.amount.minor,
        "currency": o.amount.currency,
        "returned": o.returned,
        "buyer": o.buyer,
        "state": o.state.value,
        "dunning": o.dunning.value,
        "created_at": o.created_at,
        "shipped_at": o.shipped_at,
        "confirmed_at": o.confirmed_at,
        "split_due_at": o.split_due_at,
    }


def _order(r: Any) -> Order:
    return Order(
        id=r.id,
        merchant_id=r.merchant_id,
        amount=Money(r.amount, r.currency),
        state=OrderState(r.state),
        created_at=r.created_at,
        buyer=r.buyer,
        returned=r.returned,
        shipped_at=r.shipped_at,
        confirmed_at=r.confirmed_at,
        split_due_at=r.split_due_at,
        split_done=r.split_id is not None,
        dunning=Dunning(r.dunning),
    )


def _share(part: str) -> Share:
    bits = part.split(":")
    pct = bits[-1]
    whole, _, frac = pct.partition(".")
    bp = int(whole) * 100 + int(frac.ljust(2, "0") or "0")
    if bits[0] == "supplier":
        return Share(ShareKind.SUPPLIER, bp, bits[1])
    return Share(ShareKind(bits[0]), bp)


def _payout_row(p: Payout) -> dict[str, Any]:
    return {
        "id": p.id,
        "party_id": p.party_id,
        "kind": p.kind.value,
        "supplier_id": p.supplier_id,
        "order_id": p.order_id,
        "account": p.account,
        "amount": p.amount.minor,
        "currency": p.amount.currency,
        "status": p.status.value,
        "attempts": p.attempts,
        "failures_in_row": p.failures_in_row,
        "compensated": p.compensated,
        "last_error": p.last_error,
        "channel_ref": p.channel_ref,
        "next_attempt_at": p.next_attempt_at,
    }


def _payout(r: Any) -> Payout:
    return Payout(
        id=r.id,
        party_id=r.party_id,
        kind=PayoutKind(r.kind),
        account=r.account,
        amount=Money(r.amount, r.currency),
        status=PayoutStatus(r.status),
        next_attempt_at=r.next_attempt_at,
        attempts=r.attempts,
        failures_in_row=r.failures_in_row,
        compensated=bool(r.compensated),
        last_error=r.last_error,
        supplier_id=r.supplier_id,
        order_id=r.order_id,
        channel_ref=r.channel_ref,
    )


def _payout_json(p: Payout) -> dict[str, Any]:
    return {
        "id": p.id,
        "party": p.party_id,
        "kind": p.kind.value,
        "supplier": p.supplier_id,
        "order": p.order_id,
        "account": p.account,
        "amount": p.amount.format(),
        "currency": p.amount.currency,
        "status": p.status.value,
        "attempts": p.attempts,
        "failures_in_row": p.failures_in_row,
        "compensated": p.compensated,
        "last_error": p.last_error,
        "channel_ref": p.channel_ref,
        "next_attempt_at": p.next_attempt_at.isoformat(),
    }
