"""Driver errors, classified by the constraint or condition they name (never by prose), into
the typed errors of ``creditline.domain.errors``: only those leave the adapter."""

from __future__ import annotations

import re

from creditline.adapters.db.tables import metadata
from creditline.domain.errors import Conflict, CreditlineError, NotInitialised, StorageError

#: Constraints whose violation means a concurrent request won a race: the loser retries and,
#: for the idempotency key, replays the winner's answer; for a second open line, is refused.
RACE_CONSTRAINTS = frozenset({"pk_idempotency_keys", "uq_lines_party_id_product"})

#: SQLSTATE classes (PostgreSQL) and the SQLite primary result codes they correspond to.
_PG_UNDEFINED_TABLE = "42P01"
_PG_SERIALIZATION = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+\.\w+(?:, \w+\.\w+)*)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")
_SQLITE_NO_TABLE = re.compile(r"^no such table: ")
#: SQLite's SQLITE_BUSY: another writer held the file past the busy timeout (or SQLite chose not
#: to wait, as it may in WAL mode): nothing was written, so the use case may run again.
_SQLITE_BUSY = re.compile(r"^database is locked")


def constraint_name(driver_error: BaseException) -> str | None:
    """The name of the constraint a driver's integrity error reports, if it names one.

    PostgreSQL reports it in the error's diagnostics. SQLite names CHECK constraints but only
    the columns of a UNIQUE or PRIMARY KEY one, so those are named from the columns: the
    unique index of ``tables.metadata`` on exactly those columns, else the table's primary key
    (``pk_<table>``, the naming convention of ``tables.metadata``).
    """
    diag = getattr(driver_error, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return str(diag.constraint_name)
    text = str(driver_error)
    if found := _SQLITE_CHECK.search(text):
        return found.group(1)
    if found := _SQLITE_UNIQUE.search(text):
        return _sqlite_unique_name(found.group(1))
    return None


def _sqlite_unique_name(columns: str) -> str:
    """``lines.id`` or ``t.a, t.b`` as SQLite reports them, to the index or key they fill."""
    qualified = [c.split(".") for c in columns.split(", ")]
    table, names = qualified[0][0], [name for _, name in qualified]
    for index in metadata.tables[table].indexes if table in metadata.tables else ():
        if index.unique and [c.name for c in index.columns] == names:
            return str(index.name)
    return f"pk_{table}"


def sqlstate(driver_error: BaseException) -> str | None:
    return getattr(driver_error, "sqlstate", None)


def classify(driver_error: BaseException) -> CreditlineError:
    """The typed error for a driver's error (the transaction has been rolled back)."""
    state = sqlstate(driver_error)
    if state == _PG_UNDEFINED_TABLE or _SQLITE_NO_TABLE.match(str(driver_error)):
        return NotInitialised("the database holds no creditline schema: run `creditline init`")
    if state in _PG_SERIALIZATION or _SQLITE_BUSY.match(str(driver_error)):
        return Conflict("a concurrent transaction won; retry")
    name = constraint_name(driver_error)
    if name in RACE_CONSTRAINTS:
        return Conflict(f"a concurrent request wrote first ({name})")
    if name is not None:
        return StorageError(f"the database refused the write: constraint {name}")
    first = str(driver_error).strip().splitlines()[0] if str(driver_error) else ""
    return StorageError(f"database error: {type(driver_error).__name__}: {first}")
