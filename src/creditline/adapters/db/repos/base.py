"""What every SQL repository shares: the transaction's connection, the hot-path cursor, the
writing and reading of a hash-chained book (the line book and the funds book are one shape),
and the signed checkpoint of each book's head at commit."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Connection, select

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db.fast_select import FastResult, FastSelect
from creditline.domain.checkpoints import Checkpoint, sign_head
from creditline.domain.errors import InvariantViolation
from creditline.domain.ledger import (
    Account,
    Balances,
    Head,
    Movement,
    PostedTransfer,
    Posting,
    Transfer,
)
from creditline.domain.money import Money
from creditline.domain.workdays import local_date
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
        #: In a snapshot (a read that sees one moment and writes nothing), what was read once
        #: and cannot change under it, by (kind, key...): a page's sections each read the
        #: line, two of them its freezes.
        self.seen: dict[tuple[str, ...], Any] | None = None
        #: In a snapshot on PostgreSQL, reads run ahead in one round trip (``read_ahead``),
        #: by (statement, parameters): each later ``execute`` of one takes its rows.
        self.ahead: dict[tuple[Any, ...], FastResult] = {}
        #: The last head of each book (kind, id) this transaction moved, signed at commit.
        self.moved: dict[tuple[str, str], Head] = {}
        #: Each line's balances at the end of each day this transaction moved it (written at
        #: commit, one row per line and day: ``line_day_ends``).
        self.day_ends: dict[tuple[str, date], dict[str, Any]] = {}
        #: A spend's history features read behind its line's lock: ((line, party), the
        #: clock they were read for, the row); taken by ``SqlRisk.history_features``.
        self.features_ahead: tuple[tuple[str | None, str], datetime, Any] | None = None

    def execute(self, statement: Any, params: Any = None) -> Any:
        if isinstance(statement, FastSelect):  # on the driver cursor, after pending writes
            if self.ahead:
                found = self.ahead.get(_ahead_key(statement, params or {}))
                if found is not None:
                    return found
            return statement.run(self.cursor, self.conn.dialect, params or {})
        if self._cursor is not None:
            self._cursor.flush()
        return self.conn.execute(statement, params)

    def read_ahead(self, reads: list[tuple[FastSelect, dict[str, Any]]]) -> None:
        """In a snapshot on PostgreSQL: run ``reads`` now, in one round trip instead of one
        each; a later ``execute`` of the same statement with the same parameters takes its
        rows (a snapshot cannot change them, and writes nothing). Elsewhere nothing: SQLite
        has no round trips to save, and outside a snapshot the rows could change."""
        if self.seen is None or self.conn.dialect.name != "postgresql":
            return
        todo = {_ahead_key(fast, params): (fast, params) for fast, params in reads}
        todo = {key: read for key, read in todo.items() if key not in self.ahead}
        if todo:
            results = FastSelect.run_batch(self.cursor, self.conn.dialect, list(todo.values()))
            self.ahead.update(zip(todo, results, strict=True))

    def flush(self) -> None:
        if self._cursor is not None:
            self._cursor.flush()

    def seal(self) -> None:
        """Before the commit: sign the head of every book this transaction moved, then send
        what is still pending. Once per book per commit, so a repayment that posts twice to a
        line signs once; on PostgreSQL the rows and the COMMIT go in one round trip."""
        if self.moved:
            key, at = self.db.signing_key(), self.db.wall_clock()
            cur = self.cursor
            rows = [
                checkpoint_row(sign_head(key, book, (h.book_id, h.seq, h.hash), at), cur)
                for (book, _), h in self.moved.items()
            ]
            cur.write(hp.INSERT_CHECKPOINT, rows)
            self.moved.clear()
        if self.day_ends:
            self.cursor.write(hp.UPSERT_DAY_END, list(self.day_ends.values()))
            self.day_ends.clear()
        if self._cursor is not None:
            # PostgreSQL: the last writes and the COMMIT go in one round trip; the
            # transaction's own commit that follows finds nothing left to do.
            self._cursor.commit()

    @property
    def cursor(self) -> hp.Cursor:
        if self._cursor is None:
            self._cursor = hp.Cursor(self.conn)
        return self._cursor


def _ahead_key(fast: FastSelect, params: dict[str, Any]) -> tuple[Any, ...]:
    return (id(fast), *sorted(params.items()))


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


class SqlBook(SqlRepo):
    """A repository of hash-chained books (the ``BookRepo`` port). A posting goes out on the
    hot-path cursor: on PostgreSQL its transfers, its head row and the rest of the command's
    writes reach the server in one round trip."""

    book_sql: ClassVar[hp.BookSql]

    def append(self, posting: Posting) -> None:
        if not posting.transfers:
            return
        after, book_sql = posting.after, self.book_sql
        if after.balances.book is not book_sql.book:
            raise InvariantViolation(
                f"a {after.balances.book.name} posting in a {book_sql.book.name} book"
            )
        cur = self.cursor
        at = cur.time(posting.transfers[0].created_at)
        cur.write(book_sql.insert_transfers, transfer_rows(posting.transfers, at=at))
        head: dict[str, Any] = {
            c: m.minor for c, m in zip(book_sql.columns, after.balances.amounts, strict=True)
        }
        head |= {
            "book_id": after.book_id,
            "old_seq": posting.before.seq,
            "seq": after.seq,
            "head_hash": after.hash,
            "updated_at": at,
        }
        # The head row moves only from the seq the posting was built on; if it moved since,
        # the flush raises and the transaction ends in Conflict.
        cur.write(book_sql.move_head, [head], expect=1)
        self.session.moved[book_sql.book.name, after.book_id] = after
        if book_sql is hp.LINE_BOOK_SQL:
            day = local_date(posting.transfers[-1].created_at)
            row = {c: head[c] for c in book_sql.columns}
            on = day if cur.dialect == "postgresql" else day.isoformat()
            row |= {"line_id": after.book_id, "day": on, "seq": after.seq}
            self.session.day_ends[after.book_id, day] = row

    def head_balances(self, row: Any) -> Balances:
        """The balances stored in a book's head row."""
        minor = (getattr(row, c) for c in self.book_sql.columns)
        return Balances.from_minor(self.book_sql.book, row.currency, minor)

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


def transfer_rows(posted: Sequence[PostedTransfer], *, at: Any) -> list[dict[str, Any]]:
    """Rows for a transfers table; ``at`` is ``created_at`` as the driver takes it."""
    return [
        {
            "book_id": p.book_id,
            "seq": p.seq,
            "movement_id": p.movement_id,
            "movement": p.transfer.movement.value,
            "debit_account": p.transfer.debit.value,
            "credit_account": p.transfer.credit.value,
            "amount": p.transfer.amount.minor,
            "currency": p.transfer.amount.currency,
            "ref": p.transfer.ref,
            "created_at": at,
            "prev_hash": p.prev_hash,
            "hash": p.hash,
        }
        for p in posted
    ]


def checkpoint_row(c: Checkpoint, cur: hp.Cursor) -> dict[str, Any]:
    """A ``ledger_checkpoints`` row for the hot-path cursor."""
    return {
        "book_id": c.book_id,
        "book": c.book,
        "seq": c.seq,
        "head_hash": c.head_hash,
        "signed_at": cur.time(c.signed_at),
        "key_fingerprint": c.key_fingerprint,
        "signature": c.signature,
    }


def stored_response(request_hash: str, body: str, refused: Any) -> StoredResponse:
    return StoredResponse(request_hash, json.loads(body), bool(refused))
