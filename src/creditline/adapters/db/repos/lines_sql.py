"""SQL of credit lines (额度) and their hash-chained quota book."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlBook, stored_response
from creditline.domain.errors import NotFound
from creditline.domain.ledger import GENESIS_HASH, LINE_BOOK, Balances, PostedTransfer
from creditline.domain.quota.lines import LineState, LineStatus
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product
from creditline.service.quota.quota_ports import LockedLine

_BALANCES = slice(5, 5 + len(hp.LINE_COLUMNS))


def _line(row: Any, line_id: str) -> LockedLine:
    """The one mapping of a row of ``hotpath._LINE_SQL``, locked or not, to a line."""
    currency = row[3]
    (
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
    ) = row[_BALANCES.stop :]
    state = LineState(
        id=line_id,
        party_id=row[1],
        party_kind=PartyKind(kind),
        product=Product(row[2]),
        status=LineStatus(row[4]),
        balances=Balances.from_minor(LINE_BOOK, currency, row[_BALANCES]),
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


class SqlLines(SqlBook):
    """The ``lines`` port on SQL."""

    book_sql = hp.LINE_BOOK_SQL

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
        return self._read(hp.LOCK_LINE, line_id, key)

    def read_line(self, line_id: str) -> LockedLine:
        return self._read(hp.READ_LINE, line_id, None)

    def _read(self, statement: hp.Statement, line_id: str, key: str | None) -> LockedLine:
        row = self.cursor.execute(statement, {"line_id": line_id, "key": key}).fetchone()
        if row is None:
            raise NotFound("line", f"line: no such line {line_id!r}")
        return _line(row, line_id)

    def set_line_status(self, line_id: str, status: LineStatus, now: datetime) -> None:
        self._exec(
            update(t.lines)
            .where(t.lines.c.id == line_id)
            .values(status=status.value, updated_at=now)
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

    def open_line_of(self, party_id: str, product: str) -> str | None:
        ln = t.lines
        found = self._exec(
            select(ln.c.id).where(
                ln.c.party_id == party_id,
                ln.c.product == product,
                ln.c.status != LineStatus.CLOSED.value,
            )
        ).first()
        return None if found is None else str(found.id)

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
