"""SQL of the funds books (资金账本), payouts (出款), the channel's records and cases."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlBook, SqlRepo
from creditline.domain.errors import NotFound
from creditline.domain.ledger import GENESIS_HASH, Balances, PostedTransfer
from creditline.domain.money import Money
from creditline.domain.settlement.payouts import Payout, PayoutKind, PayoutRecord, PayoutStatus
from creditline.domain.settlement.withdrawals import Lot
from creditline.domain.workdays import iso_local
from creditline.service.settlement.settlement_ports import LockedFunds


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


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


def _chunks(ids: Sequence[str], size: int = 500) -> Iterator[list[str]]:
    """``ids`` in slices small enough for one IN list on either backend."""
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _channel_paid(r: Any) -> dict[str, Any]:
    return {
        "payout": r.payout_id,
        "amount": r.amount,
        "channel_ref": r.channel_ref,
        "answered_at": r.answered_at,
    }


class SqlFunds(SqlBook):
    """The ``funds`` port on SQL."""

    book_sql = hp.FUNDS_BOOK_SQL

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
        return LockedFunds(party_id, self.head_balances(row), row.seq, row.head_hash)

    def funds_balances(self, party_id: str) -> Balances | None:
        row = self._exec(select(t.funds_books).where(t.funds_books.c.party_id == party_id)).first()
        return None if row is None else self.head_balances(row)

    def funds_party_ids(self) -> list[str]:
        return [
            r.party_id
            for r in self._exec(select(t.funds_books.c.party_id).order_by(t.funds_books.c.party_id))
        ]

    def funds_head(self, party_id: str) -> tuple[int, str, Balances]:
        row = self._exec(select(t.funds_books).where(t.funds_books.c.party_id == party_id)).one()
        return row.seq, row.head_hash, self.head_balances(row)

    def funds_transfers_of(self, party_id: str) -> Iterator[PostedTransfer]:
        return self.book_transfers(t.funds_transfers, t.funds_transfers.c.party_id, party_id)

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
        self._exec(
            insert(t.settlements),
            {
                "party_id": party_id,
                "id": lot_id,
                "amount": amount,
                "source": source,
                "settled_at": settled_at,
                "available_on": available_on,
                "provisional": provisional,
            },
        )

    def pending_settlements(self, party_id: str, today: date) -> list[Lot]:
        s = t.settlements.c
        rows = self._exec(
            select(s.available_on, s.amount, s.provisional)
            .where(s.party_id == party_id, s.available_on > today)
            .order_by(s.available_on, s.settled_at, s.id)
        )
        return [Lot(r.available_on, r.amount, bool(r.provisional)) for r in rows]


class SqlPayouts(SqlRepo):
    """The ``payouts`` port on SQL."""

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

    def payouts(self, party_id: str | None) -> list[PayoutRecord]:
        query = select(t.payouts)
        if party_id is not None:
            query = query.where(t.payouts.c.party_id == party_id)
        rows = self._exec(query.order_by(t.payouts.c.created_at, t.payouts.c.id))
        return [PayoutRecord(_payout(r), r.created_at, r.paid_at) for r in rows]

    def paid_payouts_between(self, start: datetime, end: datetime) -> list[Payout]:
        rows = self._exec(
            select(t.payouts).where(t.payouts.c.paid_at >= start, t.payouts.c.paid_at < end)
        )
        return [_payout(r) for r in rows]

    def payout_records(self, payout_ids: Sequence[str]) -> list[PayoutRecord]:
        return [
            PayoutRecord(_payout(r), r.created_at, r.paid_at)
            for ids in _chunks(payout_ids)
            for r in self._exec(select(t.payouts).where(t.payouts.c.id.in_(ids)))
        ]

    def channel_paid(self, payout_id: str) -> str | None:
        return _text(
            self._exec(
                select(t.channel_records.c.channel_ref).where(
                    t.channel_records.c.payout_id == payout_id,
                    t.channel_records.c.outcome == "paid",
                )
            ).scalar_one_or_none()
        )

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

    def channel_paid_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        rows = self._exec(
            select(t.channel_records).where(
                t.channel_records.c.outcome == "paid",
                t.channel_records.c.answered_at >= start,
                t.channel_records.c.answered_at < end,
            )
        )
        return [_channel_paid(r) for r in rows]

    def channel_paid_records(self, payout_ids: Sequence[str]) -> list[dict[str, Any]]:
        c = t.channel_records.c
        return [
            _channel_paid(r)
            for ids in _chunks(payout_ids)
            for r in self._exec(
                select(t.channel_records)
                .where(c.outcome == "paid", c.payout_id.in_(ids))
                .order_by(c.answered_at, c.payout_id, c.attempt)
            )
        ]

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
                "opened_at": iso_local(r.opened_at),
            }
            for r in rows
        ]
