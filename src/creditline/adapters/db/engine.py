"""Engines: SQLite in WAL mode with IMMEDIATE write transactions, or PostgreSQL via psycopg 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from creditline.domain.errors import InvalidInput, NotInitialised

DEFAULT_URL = "sqlite:///creditline.db"


def normalise_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - sqlalchemy raises several types for a bad URL
        raise InvalidInput("db", f"db is not a database URL: {url!r}") from None
    if parsed.drivername in {"postgresql", "postgres", "postgresql+psycopg"}:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in {"sqlite", "sqlite+pysqlite"}:
        return parsed
    raise InvalidInput("db", "db must be a sqlite:/// or postgresql:// URL")


def make_engine(url: str, *, pool_size: int = 5, create: bool = True) -> Engine:
    """An engine for ``url``; without ``create``, a SQLite file that does not exist is not
    made (SQLite makes one on connect): the connection fails with ``NotInitialised``."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, create=create)
    _cache_psycopg_parses()
    # A server thread keeps its connection between requests (``SqlDatabase._connection``), so
    # the pool must cover the server's threads: 32 concurrent clients need 32 connections.
    return create_engine(parsed, pool_size=pool_size, max_overflow=40, pool_pre_ping=False)


def _cache_psycopg_parses() -> None:
    """psycopg parses a statement's ``%(name)s`` placeholders once and caches the parse (an
    LRU of 128), but only for statements of at most 4 KB and 50 parameters. The hot path's
    combined write (hold, transfers, head, day-end, answer, checkpoint in one statement,
    ``hotpath``: about 2.8 KB and 74 parameters) was over the bound, so every spend paid the
    parse again: 0.57 ms of a 3.4 ms authorisation on the profile. The bounds protect the
    cache's memory from statements of ever-changing shape; raised to 16 KB and 256 parameters
    the cache holds at most about 2 MB. (psycopg is pinned; if a release drops these private
    names, the parse is simply not cached. It is imported here only: a SQLite command never
    loads it.)"""
    from psycopg import _queries  # noqa: PLC0415 - only when PostgreSQL is used

    if hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH"):
        _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 16_384)
    if hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 256)


def _sqlite_engine(url: URL, *, create: bool) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 60}, pool_size=5, max_overflow=60)
    if not create and url.database not in {None, "", ":memory:"} and "uri" not in url.query:
        _existing_file_only(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves so that writers take the lock up front (no upgrade deadlock).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged commit survives power loss, not only a process crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.connection.dbapi_connection.execute(f"BEGIN {mode}")

    return engine


def _existing_file_only(engine: Engine) -> None:
    """Connect to the file only if it exists, and open it read-write without creating it
    (``mode=rw``), so that a command on a mistyped path leaves no empty database behind."""

    @event.listens_for(engine, "do_connect")
    def _open_existing(
        _dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        path = Path(cargs[0])
        if not path.is_file():
            raise NotInitialised(f"{path} does not exist: run `creditline init` to create it")
        cargs[0] = f"{path.resolve().as_uri()}?mode=rw"
        cparams["uri"] = True
