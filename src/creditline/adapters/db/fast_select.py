"""Reads the pages and the diagnosis ask on every request, compiled once and run on the driver
cursor (``FastSelect``).

A select built with ``bindparam`` runs through SQLAlchemy in about 0.35 ms on PostgreSQL, of
which the round trip is a third: the rest is SQLAlchemy's per-execution work (cache lookup,
execution context, result metadata from the cursor's description) for a statement that is the
same every time. The quota page runs a dozen of them. ``FastSelect`` keeps the statement a
SQLAlchemy construct (its SQL is written once, in the tables' terms) and does that work once per
dialect: the SQL text, the bound parameters' defaults and processors, and the columns' result
processors. Each run is then the driver's ``execute`` and ``fetchall``, and a named tuple per
row, with the same values SQLAlchemy would give (aware UTC instants, booleans, dates). On
PostgreSQL the first read of a transaction goes in one pipeline with its BEGIN (the hot-path
cursor's rule).

A statement SQLAlchemy would rewrite at execution (expanding ``IN`` lists, post-compiled
parameters) is refused when it is made: those stay on the ordinary path.

It reads three of SQLAlchemy's compiled attributes that have no public name (the bind and
result processors, and the result columns): the ones its own execution context reads. The
tests run every ``FastSelect`` against the ordinary path on both engines, so a change in them
shows at once.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Dialect, Select
from sqlalchemy.dialects import sqlite

from creditline.adapters.db import hotpath as hp

#: SQLite compiled with named parameters: the hot-path cursor passes a dict to sqlite3.
_SQLITE_NAMED = sqlite.dialect(paramstyle="named")


class FastSelect:
    """A select built once with bound parameters, run on the hot-path cursor."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def run(self, cursor: hp.Cursor, dialect: Dialect, params: dict[str, Any]) -> FastResult:
        compiled = self.compiled_for(dialect)
        return compiled.result(cursor.execute(compiled, compiled.params(params)))

    @staticmethod
    def run_batch(
        cursor: hp.Cursor, dialect: Dialect, reads: list[tuple[FastSelect, dict[str, Any]]]
    ) -> list[FastResult]:
        """Each of ``reads`` run, all in one round trip on PostgreSQL (``Cursor.read_batch``)."""
        compiled = [fast.compiled_for(dialect) for fast, _ in reads]
        drivers = cursor.read_batch(
            [(c, c.params(params)) for c, (_, params) in zip(compiled, reads, strict=True)]
        )
        return [c.result(d) for c, d in zip(compiled, drivers, strict=True)]

    def compiled_for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return compiled

    def __repr__(self) -> str:
        return f"FastSelect({self.statement})"


class _Compiled:
    """One dialect's SQL of a ``FastSelect``, its parameters and its row maker (a
    ``hotpath.Statement`` to the cursor: ``text(dialect)``)."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        target = _SQLITE_NAMED if dialect.name == "sqlite" else dialect
        compiled: Any = statement.compile(dialect=target)
        self.sql: str = compiled.string
        if "POSTCOMPILE" in self.sql or compiled.literal_execute_params:
            raise ValueError("FastSelect: a statement with post-compiled parameters")
        # The values written into the statement (a status compared with a constant) are
        # parameters too; the ones left to the caller have none.
        self._defaults = {
            name: bind.effective_value
            for bind, name in compiled.bind_names.items()
            if not bind.required
        }
        processors = compiled._bind_processors  # noqa: SLF001 (see the module's note)
        self._bind = [(name, p) for name, p in processors.items() if p is not None]
        self._columns = compiled._result_columns  # noqa: SLF001 (key, name, objects, type)
        self._dialect = target
        #: The row maker, once the first run has made it.
        self.row: Callable[[Sequence[Any]], Any] | None = None

    def text(self, dialect: str) -> str:
        del dialect  # compiled for one dialect
        return self.sql

    def result(self, driver: Any) -> FastResult:
        """The rows of the driver cursor that ran this statement."""
        rows = driver.fetchall()
        # psycopg builds ``description`` anew on each access (a Column per field): asked for
        # once, when the row maker is made.
        make = self.row or self._row_maker(driver.description)
        return FastResult([make(r) for r in rows])

    def params(self, given: dict[str, Any]) -> dict[str, Any]:
        values = {**self._defaults, **given}
        for name, process in self._bind:
            values[name] = process(values[name])
        return values

    def _row_maker(self, description: Sequence[Any]) -> Callable[[Sequence[Any]], Any]:
        """The function from a driver row to a named tuple, with SQLAlchemy's result
        processors (made on the first run: a processor may depend on the driver's type), kept
        as ``row``."""
        keys = [c[0] for c in self._columns]
        if len(keys) != len(description):
            raise ValueError("FastSelect: the columns and the cursor's description disagree")
        row_type = namedtuple("FastRow", keys)  # type: ignore[misc]  # noqa: PYI024
        processors = [
            c[3]._cached_result_processor(self._dialect, d[1])  # noqa: SLF001
            for c, d in zip(self._columns, description, strict=True)
        ]
        if not any(processors):
            self.row = row_type._make
        else:
            pairs = list(enumerate(processors))

            def make(raw: Sequence[Any]) -> Any:
                values = list(raw)
                for i, process in pairs:
                    if process is not None:
                        values[i] = process(values[i])
                return row_type._make(values)

            self.row = make
        return self.row


class FastResult:
    """The rows of a ``FastSelect``, with the part of SQLAlchemy's ``Result`` the repositories
    use."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None
