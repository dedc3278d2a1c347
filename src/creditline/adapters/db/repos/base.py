"""What every SQL repository shares: the transaction's connection, the hot-path cursor, and the
rows of a hash-chained book (the line book and the funds book are one shape)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from creditline.adapters.db import hotpath as hp
from creditline.domain.ledger import Account, Movement, PostedTransfer, Transfer
from creditline.domain.money import Money
from creditline.service.reference_ports import StoredResponse

if TYPE_CHECKING:
    from creditline.adapters.db.database import SqlDatabase, SqlUnitOfWork


class SqlSession:
    """One transaction's connection, shared by its repositories; statements queued on the
    hot-path cursor are flushed before any other statement runs, so reads see them."""

    def __init__(self, conn: Connection, db: SqlDatabase) -> None:
        self.conn = conn
        self.db = db
        self.now: datetime | None = None
        self._cursor: hp.Cursor | None = None

    def execute(self, statement: Any, params: Any = None) -> Any:
        if self._cursor is not None:
            self._cursor.flush()
        return self.conn.execute(statement, params)

    def flush(self) -> None:
        if self._cursor is not None:
            self._cursor.flush()

    @property
    def cursor(self) -> hp.Cursor:
        if self._cursor is None:
            self._cursor = hp.Cursor(self.conn)
        return self._cursor


class SqlRepo:
    """A repository on the transaction's session; ``uow`` reaches its siblings."""

    def __init__(self, session: SqlSession, uow: SqlUnitOfWork) -> None:
        self.session = session
        self.uow = uow

    def _exec(self, statement: Any, params: Any = None) -> Any:
        return self.session.execute(statement, params)

    @property
    def cursor(self) -> hp.Cursor:
        return self.session.cursor

    @property
    def db(self) -> SqlDatabase:
        return self.session.db

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


def stored_response(request_hash: str, body: str, refused: Any) -> StoredResponse:
    return StoredResponse(request_hash, json.loads(body), bool(refused))
