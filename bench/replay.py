"""Our spends' exact driver calls, recorded, then replayed with the bare driver alone.

``record`` runs an operation with the driver's connection and cursors swapped for subclasses
that note every call the engine makes (``execute``, ``executemany``, each ``fetch``, psycopg's
pipeline blocks, ``commit``, ``rollback``) with its SQL and parameters. ``replay`` makes the
same calls, in the same order and the same round trips, on a copy of the database taken
before the recording (so every key, sequence and conflict check comes out the same), with a
plain connection and nothing else: the time a program writing exactly our rows would need if
its own code cost nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import psycopg
import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from authorize import make_lines
from creditline.adapters.db.database import SqlDatabase

Event = tuple[Any, ...]


class _Log:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.on = False

    def add(self, *event: Any) -> None:
        if self.on:
            self.events.append(event)


LOG = _Log()


def _cursor_methods(base: type) -> type:
    class Recording(base):  # type: ignore[misc]
        def execute(self, query: Any, params: Any = None, *args: Any, **kwargs: Any) -> Any:
            LOG.add("execute", id(self), query, params)
            if params is None:
                return super().execute(query, *args, **kwargs)
            return super().execute(query, params, *args, **kwargs)

        def executemany(self, query: Any, params: Any, *args: Any, **kwargs: Any) -> Any:
            params = list(params)
            LOG.add("executemany", id(self), query, params)
            return super().executemany(query, params, *args, **kwargs)

        def fetchone(self) -> Any:
            LOG.add("fetchone", id(self))
            return super().fetchone()

        def fetchall(self) -> Any:
            LOG.add("fetchall", id(self))
            return super().fetchall()

        def fetchmany(self, size: int = 1) -> Any:
            LOG.add("fetchmany", id(self), size)
            return super().fetchmany(size)

    return Recording


_PgCursor = _cursor_methods(psycopg.Cursor)
_SqliteCursor = _cursor_methods(sqlite3.Cursor)


class _NotesCommits:
    """A driver connection's ``commit`` and ``rollback``, noted before they run."""

    def commit(self) -> None:
        LOG.add("commit")
        super().commit()

    def rollback(self) -> None:
        LOG.add("rollback")
        super().rollback()


class PgConnection(_NotesCommits, psycopg.Connection[Any]):
    """psycopg's connection, noting its transaction and pipeline calls."""

    @contextmanager
    def pipeline(self) -> Iterator[Any]:
        LOG.add("enter")
        try:
            with super().pipeline() as p:
                yield p
        finally:
            LOG.add("exit")


class SqliteConnection(_NotesCommits, sqlite3.Connection):
    """sqlite3's connection, noting its statements and transaction calls."""

    def cursor(self, factory: Any = None) -> Any:  # noqa: ARG002 - always ours
        return super().cursor(_SqliteCursor)

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        return self.cursor().execute(sql, parameters)


def recording_connect(backend: str) -> Callable[..., Any]:
    """A ``do_connect`` listener for a SQLAlchemy engine: its connections record."""

    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        if backend == "postgresql":
            return PgConnection.connect(*cargs, **cparams, cursor_factory=_PgCursor)
        return sqlite3.connect(*cargs, **cparams, factory=SqliteConnection)

    return connect


@contextmanager
def recording() -> Iterator[list[Event]]:
    """Note every driver call made inside the block; the list fills as it runs."""
    LOG.events, LOG.on = [], True
    try:
        yield LOG.events
    finally:
        LOG.on = False


def replay(conn: Any, events: list[Event]) -> float:
    """Make ``events``' calls on ``conn`` (a plain psycopg or sqlite3 connection, in the same
    transaction mode as the recorded one); the seconds they took."""
    cursors: dict[int, Any] = {}
    pipelines: list[ExitStack] = []
    start = time.perf_counter()
    for event in events:
        kind = event[0]
        if kind in {"execute", "executemany", "fetchone", "fetchall", "fetchmany"}:
            cursor = cursors.get(event[1])
            if cursor is None:
                cursor = cursors[event[1]] = conn.cursor()
            if kind == "execute":
                if event[3] is None:  # as recorded: psycopg parses no placeholders then
                    cursor.execute(event[2])
                else:
                    cursor.execute(event[2], event[3])
            elif kind == "executemany":
                cursor.executemany(event[2], event[3])
            elif kind == "fetchmany":
                cursor.fetchmany(event[2])
            else:
                getattr(cursor, kind)()
        elif kind == "enter":
            stack = ExitStack()
            stack.enter_context(conn.pipeline())
            pipelines.append(stack)
        elif kind == "exit":
            pipelines.pop().close()
        else:
            getattr(conn, kind)()
    return time.perf_counter() - start


#: What a spend writes; the copy must end with the same figures as the original: as many rows
#: of each table, and every line's head moved as far (an UPDATE that missed would show).
CHECKS = (
    "SELECT count(*) FROM holds",
    "SELECT count(*) FROM ledger_transfers",
    "SELECT count(*) FROM idempotency_keys",
    "SELECT count(*) FROM ledger_checkpoints",
    "SELECT sum(seq) FROM lines",
)


def _same_rows(replayed: Any, original_url: str) -> None:
    engine = create_engine(original_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            for query in CHECKS:
                want = conn.execute(text(query)).scalar()
                got = replayed.execute(query).fetchone()[0]
                if got != want:
                    raise RuntimeError(f"replay: {query} gives {got}, the original {want}")
    finally:
        engine.dispose()


# -- one measurement -----------------------------------------------------------------------
def _pg_admin(pg_url: str, sql: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql)


def _pg_db_url(pg_url: str, name: str) -> str:
    """``pg_url`` naming the database ``name`` (its user, host and query kept)."""
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def _bare(target: str) -> Any:
    """A plain connection to the copy, set as the project sets its own."""
    if target.startswith("postgresql"):
        return psycopg.connect(target.replace("+psycopg", ""))
    conn = sqlite3.connect(target, timeout=60, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def replayed_ms(
    backend: str,
    make_op: Callable[..., tuple[Callable[[], Any], Callable[[], Any]]],
    calls: int,
    pg_url: str,
    tmp: str,
) -> float:
    """Milliseconds per call of ``make_op``'s operation when its recorded driver calls are
    replayed with the bare driver on a copy of the database as it was before them."""
    tag = f"replay_{time.time_ns() % 10**12}"
    if backend == "sqlite":
        base, copy = f"{tmp}/{tag}.db", f"{tmp}/{tag}-copy.db"
        base_url = f"sqlite:///{base}"
    else:
        template, base_name, copy_name = (f"{tag}_{s}" for s in ("t", "a", "b"))
        _pg_admin(pg_url, f"CREATE DATABASE {template}")
        base_url = _pg_db_url(pg_url, template)
    try:
        line = make_lines(base_url, 1)[0]
        op, done = make_op(backend, base_url, line)
        for _ in range(3):  # warm: imports, statement caches, the line's first rows
            op()
        done()
        if backend == "sqlite":
            shutil.copy(base, copy)
            ours_url = base_url
        else:
            _pg_admin(pg_url, f"CREATE DATABASE {base_name} TEMPLATE {template}")
            _pg_admin(pg_url, f"CREATE DATABASE {copy_name} TEMPLATE {template}")
            ours_url = _pg_db_url(pg_url, base_name)
        db = SqlDatabase.from_url(ours_url)
        sqlalchemy.event.listen(db.engine, "do_connect", recording_connect(backend))
        with db.engine.connect():
            pass  # the connection (and its settings) before the recording
        op, done = make_op(backend, ours_url, line, db)
        with recording() as events:
            for _ in range(calls):
                op()
        done()
        db.dispose()
        conn = _bare(copy if backend == "sqlite" else _pg_db_url(pg_url, copy_name))
        try:
            seconds = replay(conn, events)
            _same_rows(conn, ours_url)
        finally:
            conn.close()
        return seconds / calls * 1000
    finally:
        if backend == "postgresql":
            for name in (template, base_name, copy_name):
                _pg_admin(pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
