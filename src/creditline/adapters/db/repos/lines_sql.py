"""SQL of the quota book: lines and their hash-chained transfers, holds and occupancy (占用)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo, stored_response, transfer_rows
from creditline.domain.errors import NotFound
from creditline.domain.ledger import (
    GENESIS_HASH,
    Balances,
    PostedTransfer,
)
from creditline.domain.money import Money
from creditline.domain.quota.evaluation import OpenHold
from creditline.domain.quota.lines import Hold, HoldStatus, LineState, LineStatus, Occupancy
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product, Purpose
from creditline.service.quota.quota_ports import LineRow, LockedLine

_LINE_COLUMNS = (
    t.lines.c.id,
    t.lines.c.tenant_id,
    t.lines.c.party_id,
    t.lines.c.product,
    t.lines.c.currency,
    t.lines.c.status,
    t.lines.c.limit_minor,
    t.lines.c.available,
    t.lines.c.held,
    t.lines.c.occupied,
    t.lines.c.frozen,
    t.lines.c.fees_due,
    t.lines.c.fee_income,
    t.lines.c.fees_collected,
    t.lines.c.open_freezes,
    t.lines.c.seq,
    t.lines.c.head_hash,
    t.lines.c.created_at,
)


_SELECT_LINE = (
    select(*_LINE_COLUMNS, t.parties.c.kind)
    .join(t.parties, t.parties.c.id == t.lines.c.party_id)
    .where(t.lines.c.id == bindparam("line_id"))
)


def _balances(row: Any) -> Balances:
    return Balances(
        row.currency,
        limit=row.limit_minor,
        available=row.available,
        held=row.held,
        occupied=row.occupied,
        frozen=row.frozen,
        fees_due=row.fees_due,
        fee_income=row.fee_income,
        fees_collected=row.fees_collected,
    )


_NO_COUNTERS: dict[str, int | None] = dict.fromkeys(t.CUMULATIVE)


class SqlLines(SqlRepo):
    """The ``lines`` port on SQL."""

    def insert_line(
        self, *, line_id: str, party_id: str, product: str, currency: str, now: datetime
    ) -> None:
        self._exec(
            insert(t.lines),
            {
                "id": line_id,
                "party_id": party_id,
                "product": product,
                "currency": currency,
                "status": LineStatus.PENDING_ACTIVATION.value,
                "head_hash": GENESIS_HASH,
                "created_at": now,
                "updated_at": now,
            },
        )

    def lock_line(self, line_id: str, key: str | None = None) -> LockedLine:
        return self._line_summary(hp.LOCK_LINE, line_id, key)

    def read_line(self, line_id: str) -> LockedLine:
        """The same view as ``lock_line`` without taking the lock (for diagnosis)."""
        return self._line_summary(hp.READ_LINE, line_id, None)

    def get_line(self, line_id: str) -> LineRow:
        row = self._line_row(line_id)
        return LineRow(
            id=row.id,
            tenant_id=row.tenant_id,
            party_id=row.party_id,
            product=row.product,
            status=LineStatus(row.status),
            balances=_balances(row),
            seq=row.seq,
            head_hash=row.head_hash,
            created_at=row.created_at,
        )

    def set_line_status(self, line_id: str, status: LineStatus, now: datetime) -> None:
        self._exec(
            update(t.lines)
            .where(t.lines.c.id == line_id)
            .values(status=status.value, updated_at=now)
        )

    def post(
        self, locked: LockedLine, posted: Sequence[PostedTransfer], balances: Balances
    ) -> None:
        if not posted:
            return
        cur = self.cursor
        at = cur.time(posted[0].created_at)
        cur.write(hp.INSERT_TRANSFER, transfer_rows(posted, "line_id", at=at))
        last = posted[-1]
        cur.write(
            hp.UPDATE_BALANCES,
            [
                {
                    "line_id": locked.state.id,
                    "old_seq": locked.seq,
                    "limit_minor": balances.limit,
                    "available": balances.available,
                    "held": balances.held,
                    "occupied": balances.occupied,
                    "frozen": balances.frozen,
                    "fees_due": balances.fees_due,
                    "fee_income": balances.fee_income,
                    "fees_collected": balances.fees_collected,
                    "seq": last.seq,
                    "head_hash": last.hash,
                    "updated_at": at,
                }
            ],
            expect=1,
        )

    def line_ids(self) -> Iterator[str]:
        for row in self._exec(select(t.lines.c.id).order_by(t.lines.c.id)):
            yield row.id

    def transfers_of(self, line_id: str) -> Iterator[PostedTransfer]:
        return self.book_transfers(t.ledger_transfers, t.ledger_transfers.c.line_id, line_id)

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

    def lines_with_overdue_occupancy(self, cutoff: datetime) -> list[str]:
        rows = self._exec(
            select(t.occupancies.c.line_id)
            .distinct()
            .where(t.occupancies.c.outstanding > 0, t.occupancies.c.captured_at < cutoff)
            .order_by(t.occupancies.c.line_id)
        )
        return [r.line_id for r in rows]

    def _line_row(self, line_id: str) -> Any:
        row = self._exec(_SELECT_LINE, {"line_id": line_id}).first()
        if row is None:
            raise NotFound("line", f"line: no such line {line_id!r}")
        return row

    def _line_summary(self, statement: hp.Statement, line_id: str, key: str | None) -> LockedLine:
        row = self.cursor.execute(statement, {"line_id": line_id, "key": key}).fetchone()
        if row is None:
            raise NotFound("line", f"line: no such line {line_id!r}")
        (
            _id,
            party_id,
            product,
            currency,
            status,
            limit_minor,
            available,
            held,
            occupied,
            frozen,
            fees_due,
            fee_income,
            fees_collected,
            open_freezes,
            seq,
            head_hash,
            kind,
            request_hash,
            body,
            refused,
            oldest_occupancy,
            licence_expires_on,
            policy_seq,
            rule_seq,
            party_created_at,
        ) = row
        state = LineState(
            id=line_id,
            party_id=party_id,
            party_kind=PartyKind(kind),
            product=Product(product),
            status=LineStatus(status),
            balances=Balances(
                currency,
                limit=limit_minor,
                available=available,
                held=held,
                occupied=occupied,
                frozen=frozen,
                fees_due=fees_due,
                fee_income=fee_income,
                fees_collected=fees_collected,
            ),
        )
        stored = None if request_hash is None else stored_response(request_hash, body, refused)
        return LockedLine(
            state=state,
            seq=seq,
            head_hash=head_hash,
            stored=stored,
            open_freezes=open_freezes,
            oldest_occupancy=hp.read_time(oldest_occupancy),
            licence_expires_on=hp.read_date(licence_expires_on),
            policy_seq=policy_seq or 0,
            rule_seq=rule_seq or 0,
            party_created_at=hp.read_time(party_created_at),
        )


class SqlHolds(SqlRepo):
    """The ``holds`` port on SQL."""

    def insert_hold(
        self,
        hold: Hold,
        *,
        counterparty: str | None,
        reasons: list[dict[str, Any]],
        policy_version: str,
        now: datetime,
        risk_features: dict[str, Any] | None = None,
        rule_set_version: int | None = None,
        counters: dict[str, int] | None = None,
    ) -> None:
        cur = self.cursor
        cur.write(
            hp.INSERT_HOLD,
            [
                {
                    "id": hold.id,
                    "line_id": hold.line_id,
                    "status": hold.status.value,
                    "amount": hold.amount.minor,
                    "currency": hold.amount.currency,
                    "purpose": hold.purpose.value,
                    "order_id": hold.order_id,
                    "counterparty_id": counterparty,
                    "captured": hold.captured,
                    "refunded": hold.refunded,
                    "reasons": json.dumps(reasons, ensure_ascii=False),
                    "policy_version": policy_version,
                    "expires_at": cur.time(hold.expires_at),
                    "created_at": cur.time(now),
                    "risk_features": None
                    if risk_features is None
                    else json.dumps(risk_features, separators=(",", ":")),
                    "rule_set_version": rule_set_version,
                    **(counters or _NO_COUNTERS),
                }
            ],
        )

    def get_hold(self, line_id: str, hold_id: str) -> Hold:
        row = self._exec(
            select(t.holds).where(t.holds.c.line_id == line_id, t.holds.c.id == hold_id)
        ).first()
        if row is None:
            raise NotFound("hold", f"hold: no such hold {hold_id!r}")
        return Hold(
            id=row.id,
            line_id=row.line_id,
            amount=Money(row.amount, row.currency),
            purpose=Purpose(row.purpose),
            status=HoldStatus(row.status),
            expires_at=row.expires_at,
            order_id=row.order_id,
            captured=row.captured,
            refunded=row.refunded,
        )

    def update_hold(
        self,
        line_id: str,
        hold_id: str,
        *,
        status: HoldStatus,
        captured: int,
        refunded: int,
        now: datetime,
    ) -> None:
        self._exec(
            update(t.holds)
            .where(t.holds.c.line_id == line_id, t.holds.c.id == hold_id)
            .values(status=status.value, captured=captured, refunded=refunded, updated_at=now)
        )

    def due_holds(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._exec(
            select(t.holds.c.line_id, t.holds.c.id)
            .where(t.holds.c.status == HoldStatus.AUTHORIZED.value, t.holds.c.expires_at <= now)
            .order_by(t.holds.c.expires_at)
            .limit(limit)
        )
        return [(r.line_id, r.id) for r in rows]

    def open_holds(self, line_id: str) -> list[OpenHold]:
        rows = self._exec(
            select(t.holds.c.id, t.holds.c.amount, t.holds.c.order_id, t.holds.c.expires_at)
            .where(t.holds.c.line_id == line_id, t.holds.c.status == HoldStatus.AUTHORIZED.value)
            .order_by(t.holds.c.expires_at)
        )
        return [OpenHold(r.id, r.amount, r.order_id, r.expires_at) for r in rows]

    def count_large_spends(
        self, line_id: str, start: datetime, end: datetime, threshold: int
    ) -> int:
        """Authorised spends above ``threshold`` created in [start, end); declines don't count."""
        return int(
            self._exec(
                select(func.count())
                .select_from(t.holds)
                .where(
                    t.holds.c.line_id == line_id,
                    t.holds.c.status != HoldStatus.DECLINED.value,
                    t.holds.c.amount > threshold,
                    t.holds.c.created_at >= start,
                    t.holds.c.created_at < end,
                )
            ).scalar_one()
        )

    def insert_occupancy(self, line_id: str, occ: Occupancy, amount: int) -> None:
        self._exec(
            insert(t.occupancies),
            {
                "id": occ.id,
                "line_id": line_id,
                "hold_id": occ.hold_id,
                "order_id": occ.order_id,
                "amount": amount,
                "outstanding": occ.outstanding,
                "captured_at": occ.captured_at,
            },
        )

    def open_occupancies(self, line_id: str) -> list[Occupancy]:
        return self._occupancies(
            t.occupancies.c.line_id == line_id, t.occupancies.c.outstanding > 0
        )

    def occupancy_of_hold(self, line_id: str, hold_id: str) -> Occupancy | None:
        found = self._occupancies(
            t.occupancies.c.line_id == line_id, t.occupancies.c.hold_id == hold_id
        )
        return found[0] if found else None

    def reduce_occupancy(self, line_id: str, occupancy_id: str, amount: int) -> None:
        self._exec(
            update(t.occupancies)
            .where(t.occupancies.c.line_id == line_id, t.occupancies.c.id == occupancy_id)
            .values(outstanding=t.occupancies.c.outstanding - amount)
        )

    def set_fees_through(self, line_id: str, occupancy_id: str, day: date) -> None:
        self._exec(
            update(t.occupancies)
            .where(t.occupancies.c.line_id == line_id, t.occupancies.c.id == occupancy_id)
            .values(fees_through=day)
        )

    def fees_through(self, line_id: str) -> dict[str, date | None]:
        rows = self._exec(
            select(t.occupancies.c.id, t.occupancies.c.fees_through).where(
                t.occupancies.c.line_id == line_id, t.occupancies.c.outstanding > 0
            )
        )
        return {r.id: r.fees_through for r in rows}

    def _occupancies(self, *conditions: Any) -> list[Occupancy]:
        rows = self._exec(
            select(t.occupancies)
            .where(*conditions)
            .order_by(t.occupancies.c.captured_at, t.occupancies.c.id)
        )
        return [
            Occupancy(
                id=r.id,
                hold_id=r.hold_id,
                order_id=r.order_id,
                outstanding=r.outstanding,
                captured_at=r.captured_at,
            )
            for r in rows
        ]
