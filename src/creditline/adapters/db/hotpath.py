"""Hot-path SQL, written once with ``:name`` parameters and run through the driver cursor of
the SQLAlchemy connection (inside its transaction). Profiling showed per-statement overhead of
compiled constructs dominated an authorisation; these statements skip it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from creditline.domain.ledger import FUNDS_BOOK, LINE_BOOK, Account, Book

_NAMED = re.compile(r"(?<!:):([a-z_]+)")


class SqlText(Protocol):
    """Anything with its SQL text per dialect (a ``Statement``, a compiled ``FastSelect``)."""

    def text(self, dialect: str) -> str: ...


class Statement:
    """One SQL text in the dialects we run: sqlite3 takes ``:name``, psycopg ``%(name)s``."""

    def __init__(self, sql: str, *, pg_suffix: str = "", tail: str = "") -> None:
        # ``tail``: what follows an INSERT's VALUES (ON CONFLICT ...), kept once when the
        # rows of several writes are combined into one multi-row VALUES.
        self.sqlite = sql + tail
        self.postgresql = _NAMED.sub(r"%(\1)s", (sql + tail).replace("%", "%%")) + pg_suffix
        self.tail = tail

    def text(self, dialect: str) -> str:
        return self.postgresql if dialect == "postgresql" else self.sqlite


def read_time(value: Any) -> datetime | None:
    """A timestamp as the driver returns it (SQLite: SQLAlchemy's text), as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
    return value.astimezone(UTC)  # type: ignore[no-any-return]


def read_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def db_time(value: datetime, dialect: str) -> Any:
    """A UTC instant as each driver stores it; SQLite uses SQLAlchemy's text format."""
    if dialect == "postgresql":
        return value
    v = value.astimezone(UTC)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
    )


class ConflictError(Exception):
    """A buffered write hit a unique key another transaction wrote first."""


_CONFLICT = "creditline-conflict: "


def _name(statement: Statement) -> str:
    return statement.sqlite.split(" (")[0]


@contextmanager
def _conflicts(
    pending: list[tuple[Statement, list[dict[str, Any]], int | None]],
) -> Iterator[None]:
    """The server's refusal of a combined write's row-count check, as a ``ConflictError``."""
    try:
        yield
    except Exception as exc:
        text = str(exc)
        if pending and _CONFLICT in text:
            raise ConflictError(text.split(_CONFLICT, 1)[1].rstrip('"')) from exc
        raise


class Cursor:
    """The driver cursor of a SQLAlchemy connection, with the dialect's SQL picked for it.

    Writes are buffered with ``write`` and sent before the next read or at the commit: on
    PostgreSQL as one statement of data-modifying CTEs, in one pipeline with that read (and
    the transaction's BEGIN) or with the COMMIT; on SQLite one by one (in-process, no round
    trips).
    """

    def __init__(self, conn: Connection) -> None:
        self.dialect = conn.dialect.name
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        self._dbapi: Any = dbapi
        self._cursor = dbapi.cursor()
        # PostgreSQL: the combined write has a cursor of its own, so that it can be sent in
        # one pipeline with the read (or the COMMIT) that follows it.
        self._writer = dbapi.cursor() if self.dialect == "postgresql" else self._cursor
        self._pending: list[tuple[Statement, list[dict[str, Any]], int | None]] = []
        self._ahead: Any = None
        #: The first row of the last ``execute``'s read ahead (None without one).
        self.ahead_row: Any = None

    def execute(
        self,
        statement: Statement | SqlText,
        params: dict[str, Any],
        *,
        ahead: tuple[Statement, dict[str, Any]] | None = None,
    ) -> Any:
        """Run ``statement`` (after the pending writes). On PostgreSQL, ``ahead`` is a read
        sent behind it in the same round trip, run by the server after it (so after the lock
        it takes, on a fresh snapshot); its first row is ``ahead_row``."""
        sql = statement.text(self.dialect)
        self.ahead_row = None
        if self.dialect == "postgresql" and (self._pending or ahead or self._idle()):
            # One round trip instead of two to four: psycopg's pipeline mode sends the
            # transaction's BEGIN (first statement), the pending writes, the read and the
            # read ahead together.
            pending, self._pending = self._pending, []
            with _conflicts(pending), self._dbapi.pipeline():
                if pending:
                    self._send_combined(pending)
                self._cursor.execute(sql, params)
                if ahead is not None:
                    self._ahead = self._ahead or self._dbapi.cursor()
                    self._ahead.execute(ahead[0].postgresql, ahead[1])
            if ahead is not None:
                self.ahead_row = self._ahead.fetchone()
            return self._cursor
        self.flush()
        self._cursor.execute(sql, params)
        return self._cursor

    def read_batch(self, reads: Sequence[tuple[Statement | SqlText, dict[str, Any]]]) -> list[Any]:
        """PostgreSQL: run ``reads`` in one round trip (one pipeline, with the transaction's
        BEGIN when they are its first statements), each on a cursor of its own, whose rows
        the caller fetches."""
        self.flush()
        cursors = [self._dbapi.cursor() for _ in reads]
        with self._dbapi.pipeline():
            for cursor, (statement, params) in zip(cursors, reads, strict=True):
                cursor.execute(statement.text(self.dialect), params)
        return cursors

    def commit(self) -> bool:
        """PostgreSQL: send the pending writes and the COMMIT in one round trip, and answer
        whether it committed (the caller's own commit then finds nothing to do). Elsewhere,
        only flush (SQLite has no round trips to save)."""
        if self.dialect != "postgresql" or not self._pending:
            self.flush()
            return False
        pending, self._pending = self._pending, []
        with _conflicts(pending), self._dbapi.pipeline():
            self._send_combined(pending)
            self._dbapi.commit()
        return True

    def _idle(self) -> bool:
        return bool(self._dbapi.info.transaction_status == 0)  # no transaction begun yet

    def write(
        self, statement: Statement, rows: list[dict[str, Any]], *, expect: int | None = None
    ) -> None:
        """Queue a write; ``expect`` is the row count it must affect (checked at flush)."""
        self._pending.append((statement, rows, expect))

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if self.dialect == "postgresql" and len(pending) > 1:
            with _conflicts(pending):
                self._send_combined(pending)
                self._writer.fetchone()
            return
        for statement, rows, expect in pending:
            if len(rows) == 1:
                self._cursor.execute(statement.text(self.dialect), rows[0])
            else:
                self._cursor.executemany(statement.text(self.dialect), rows)
            if expect is not None and self._cursor.rowcount != expect:
                raise ConflictError(_name(statement))

    def _send_combined(
        self, pending: list[tuple[Statement, list[dict[str, Any]], int | None]]
    ) -> None:
        """Every pending write in one statement of data-modifying CTEs. A write that must
        affect a given number of rows is checked by the server: a miss fails the statement
        (a cast of the conflict's name to integer), so a COMMIT sent behind it in the same
        pipeline never commits a partial write."""
        ctes: list[str] = []
        params: dict[str, Any] = {}
        checks: list[str] = []
        for i, (statement, rows, expect) in enumerate(pending):
            ctes.append(f"w{i} AS ({_combine(statement, rows, f'w{i}_', params)} RETURNING 1)")
            if expect is not None:
                checks.append(f"(SELECT count(*) FROM w{i}) = {int(expect)}")  # noqa: S608
        params["conflict"] = _CONFLICT + ", ".join(
            _name(statement) for statement, _, expect in pending if expect is not None
        )
        sql = (
            f"WITH {', '.join(ctes)} SELECT CAST(CASE WHEN {' AND '.join(checks) or 'TRUE'} "
            "THEN '0' ELSE %(conflict)s END AS integer)"
        )
        self._writer.execute(sql, params)

    def time(self, value: datetime) -> Any:
        return db_time(value, self.dialect)


def _combine(
    statement: Statement, rows: list[dict[str, Any]], prefix: str, params: dict[str, Any]
) -> str:
    """One statement's PostgreSQL text for ``rows``, parameters renamed into ``params``."""
    text = statement.postgresql
    if len(rows) == 1:
        for k, v in rows[0].items():
            params[prefix + k] = v
        return text.replace("%(", "%(" + prefix)
    if statement.tail:
        text = text.removesuffix(statement.tail)
    head, _, values = text.partition(" VALUES ")
    parts = []
    for j, row in enumerate(rows):
        p = f"{prefix}{j}_"
        for k, v in row.items():
            params[p + k] = v
        parts.append(values.replace("%(", "%(" + p))
    return f"{head} VALUES {', '.join(parts)}{statement.tail}"


@dataclass(frozen=True, slots=True)
class BookSql:
    """Where one kind of book is kept: a head row (balances, seq, hash) and its transfers."""

    book: Book
    columns: tuple[str, ...]  # the head row's column of each account, in ``book.accounts`` order
    insert_transfers: Statement
    move_head: Statement


def _move_head(table: str, key: str, columns: tuple[str, ...]) -> Statement:
    # Guarded by the seq read under the row lock: a lost update cannot slip through.
    balances = ", ".join(f"{c} = :{c}" for c in columns)
    return Statement(
        f"UPDATE {table} SET {balances}, seq = :seq, head_hash = :head_hash, "  # noqa: S608
        f"updated_at = :updated_at WHERE {key} = :book_id AND seq = :old_seq"
    )


#: The ``lines`` column of each account of a line's book (the limit's name predates accounts).
LINE_COLUMNS = tuple(
    "limit_minor" if a is Account.PLATFORM_LIMIT else a.value for a in LINE_BOOK.accounts
)
LINE_BOOK_SQL = BookSql(
    LINE_BOOK,
    LINE_COLUMNS,
    Statement(
        "INSERT INTO ledger_transfers (line_id, seq, tenant_id, movement_id, movement, "
        "debit_account, credit_account, amount, currency, ref, created_at, prev_hash, hash) "
        "VALUES (:book_id, :seq, 'default', :movement_id, :movement, :debit_account, "
        ":credit_account, :amount, :currency, :ref, :created_at, :prev_hash, :hash)"
    ),
    _move_head("lines", "id", LINE_COLUMNS),
)
#: A line's balances at the end of a Beijing day: the day's last posting wins.
UPSERT_DAY_END = Statement(
    "INSERT INTO line_day_ends (line_id, day, tenant_id, seq, "  # noqa: S608 - fixed text
    + ", ".join(LINE_COLUMNS)
    + ") VALUES (:line_id, :day, 'default', :seq, "
    + ", ".join(f":{c}" for c in LINE_COLUMNS)
    + ")",
    tail=" ON CONFLICT (line_id, day) DO UPDATE SET seq = excluded.seq, "
    + ", ".join(f"{c} = excluded.{c}" for c in LINE_COLUMNS),
)
_FUNDS_COLUMNS = tuple(a.value for a in FUNDS_BOOK.accounts)
FUNDS_BOOK_SQL = BookSql(
    FUNDS_BOOK,
    _FUNDS_COLUMNS,
    Statement(
        "INSERT INTO funds_transfers (party_id, seq, movement_id, movement, debit_account, "
        "credit_account, amount, currency, ref, created_at, prev_hash, hash) "
        "VALUES (:book_id, :seq, :movement_id, :movement, :debit_account, :credit_account, "
        ":amount, :currency, :ref, :created_at, :prev_hash, :hash)"
    ),
    _move_head("funds_books", "party_id", _FUNDS_COLUMNS),
)

# The line under its lock, the answer stored for the key, and the summary the spend rules
# need to know whether to look further (oldest open occupancy, licence expiry, policy
# sequence), all in one round trip. Locked or not, a line is read by this one statement.
_LINE_SQL = (
    "SELECT l.id, l.party_id, l.product, l.currency, l.status, "  # noqa: S608 - fixed text
    + ", ".join(f"l.{c}" for c in LINE_COLUMNS)
    + ", l.open_freezes, l.seq, l.head_hash, p.kind, k.request_hash, k.body, k.refused, "
    "(SELECT min(o.captured_at) FROM occupancies o "
    " WHERE o.line_id = l.id AND o.outstanding > 0) AS oldest_occupancy, "
    "(SELECT d.expires_on FROM documents d "
    " WHERE d.party_id = l.party_id AND d.type = 'business_licence' "
    " ORDER BY d.submitted_on DESC, d.id DESC LIMIT 1) AS licence_expires_on, "
    "(SELECT max(c.version) FROM policy_changes c) AS policy_seq, "
    "(SELECT max(r.version) FROM rule_sets r) AS rule_seq, p.created_at, l.limit_target, "
    "l.open_orders "
    "FROM lines l JOIN parties p ON p.id = l.party_id "
    "LEFT JOIN idempotency_keys k ON k.scope = l.id AND k.key = :key "
    "WHERE l.id = :line_id"
)
LOCK_LINE = Statement(_LINE_SQL, pg_suffix=" FOR UPDATE OF l")
READ_LINE = Statement(_LINE_SQL)

INSERT_HOLD = Statement(
    "INSERT INTO holds (id, line_id, tenant_id, status, amount, currency, purpose, order_id, "
    "counterparty_id, captured, refunded, reasons, policy_version, expires_at, created_at, "
    "updated_at, risk_features, rule_set_version, cum_attempts, cum_count, cum_amount, "
    "cum_declined, cum_forbidden, cum_near, cum_counterparty) VALUES (:id, :line_id, 'default', "
    ":status, :amount, :currency, :purpose, :order_id, :counterparty_id, :captured, :refunded, "
    ":reasons, :policy_version, :expires_at, :created_at, :created_at, :risk_features, "
    ":rule_set_version, :cum_attempts, :cum_count, :cum_amount, :cum_declined, :cum_forbidden, "
    ":cum_near, :cum_counterparty)"
)

# One row per book a transaction moved, written at its commit (see ``SqlSession.seal``).
INSERT_CHECKPOINT = Statement(
    "INSERT INTO ledger_checkpoints (book_id, book, seq, head_hash, signed_at, key_fingerprint, "
    "signature) VALUES (:book_id, :book, :seq, :head_hash, :signed_at, :key_fingerprint, "
    ":signature)"
)

INSERT_RESPONSE = Statement(
    "INSERT INTO idempotency_keys (scope, key, request_hash, refused, body, created_at) "
    "VALUES (:scope, :key, :request_hash, :refused, :body, :created_at)"
)

SELECT_RESPONSE = Statement(
    "SELECT request_hash, body, refused FROM idempotency_keys WHERE scope = :scope AND key = :key"
)

INSERT_DECISION = Statement(
    "INSERT INTO risk_decisions (party_id, id, tenant_id, line_id, event, subject, amount, "
    "outcome, score, reasons, rule_set_version, policy_version, features, review, created_at) "
    "VALUES (:party_id, :id, 'default', :line_id, :event, :subject, :amount, :outcome, :score, "
    ":reasons, :rule_set_version, :policy_version, :features, :review, :created_at)"
)
