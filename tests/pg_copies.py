"""Fresh PostgreSQL databases for the tests, initialised by copying a migrated template.

Running the migrations costs about a second for each test's database, most of it Alembic's
Python; ``CREATE DATABASE ... TEMPLATE`` copies a database this process migrated the same way
(``sandbox``, ``now``, the ledger key ``upgrade`` records) in a fraction of that. So each
PostgreSQL test gets a database of its own, dropped afterwards, where the server lets the tests
create databases (the local server and a throwaway cluster do: the tests connect as a
superuser); else a schema of the server's database, migrated for real, as before.

A database handed out empty stays empty until ``initialised_copy`` is asked for it: tests
that run ``creditline init`` themselves, or the migrations one by one, get it as it is.

Each name carries the second it was made (``t_<epoch>_<hex>``, ``creditline_template_<epoch>_
<hex>``). A run that was killed cannot drop its own, so the first new database of each process
sweeps those of the server older than ``STALE_AFTER`` (a day, by the server's clock) that
nobody is connected to. A template sits unconnected between copies, so a run paused for a day
could lose its own; ``make test`` runs take minutes, and CI stops at 90.
"""

from __future__ import annotations

import atexit
import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime

import psycopg
from psycopg import errors, sql
from sqlalchemy.engine import make_url

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.schema import upgrade
from creditline.adapters.ledger_keys import load_signing_key

#: Databases handed out empty and not initialised yet: URL → (server, name).
_EMPTY: dict[str, tuple[str, str]] = {}
#: Migrated templates by (server, sandbox, now, the public key ``upgrade`` records).
_TEMPLATES: dict[tuple[str, bool, datetime, str], str] = {}
#: Servers that refused CREATE DATABASE: their tests use schemas.
_NO_DATABASES: set[str] = set()
#: Servers this process has swept of stale databases.
_SWEPT: set[str] = set()
#: A test database or template older than this is a killed run's leftover.
STALE_AFTER = 24 * 3600
_OURS = re.compile(r"^(?:t|creditline_template)_(\d{10})_[0-9a-f]{12}$")


def _name(prefix: str) -> str:
    return f"{prefix}_{int(time.time())}_{uuid.uuid4().hex[:12]}"


def sweep_stale(server: str, *, now: float | None = None) -> list[str]:
    """Drop the test databases on ``server`` older than ``STALE_AFTER`` (from ``now``, else the
    server's clock) that have no connection; the names dropped. One that gains a connection
    meanwhile is left."""
    with psycopg.connect(server, autocommit=True) as conn:
        if now is None:
            clock = conn.execute("SELECT extract(epoch FROM now())").fetchone()
            now = float(clock[0]) if clock is not None else time.time()
        cutoff = now - STALE_AFTER
        rows = conn.execute(
            "SELECT d.datname FROM pg_database d WHERE NOT d.datistemplate AND NOT EXISTS "
            "(SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"
        ).fetchall()
        dropped = []
        for (name,) in rows:
            found = _OURS.match(name)
            if found is None or int(found.group(1)) >= cutoff:
                continue
            try:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            except (errors.ObjectInUse, errors.InsufficientPrivilege):
                continue
            dropped.append(name)
    return dropped


def _admin(server: str, statement: sql.Composable) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(statement)


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def new_database(server: str) -> tuple[str, Callable[[], None]] | None:
    """The URL of a new empty database on ``server`` and how to drop it; ``None`` when the
    server does not let the tests create databases."""
    if server in _NO_DATABASES:
        return None
    if server not in _SWEPT:
        _SWEPT.add(server)
        sweep_stale(server)
    name = _name("t")
    try:
        _admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except errors.InsufficientPrivilege:
        _NO_DATABASES.add(server)
        return None
    url = database_url(server, name)
    _EMPTY[url] = (server, name)

    def drop() -> None:
        _EMPTY.pop(url, None)
        _drop(server, name)

    return url, drop


def _drop(server: str, name: str) -> None:
    # FORCE: a server subprocess a test left running must not keep the database alive.
    _admin(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def initialised_copy(url: str, *, sandbox: bool, now: datetime) -> bool:
    """Make the empty database at ``url`` a copy of a template migrated by ``upgrade(sandbox,
    now)``; ``False`` (and nothing done) when ``url`` is not one handed out empty, or while
    there is no ledger key yet (``upgrade`` makes the key file: that one runs for real)."""
    if url not in _EMPTY:
        return False
    loaded = load_signing_key(sandbox=sandbox)
    if loaded is None:
        return False
    server, name = _EMPTY.pop(url)
    template = _template(server, sandbox, now, loaded.key.public.text)
    ident = sql.Identifier(name)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {}").format(ident))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(ident, sql.Identifier(template))
        )
    return True


def _template(server: str, sandbox: bool, now: datetime, public_key: str) -> str:
    key = (server, sandbox, now, public_key)
    if key not in _TEMPLATES:
        name = _name("creditline_template")
        _admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        atexit.register(_drop, server, name)
        db = SqlDatabase.from_url(database_url(server, name))
        try:
            upgrade(db.engine, sandbox=sandbox, now=now)
        finally:
            db.dispose()
        _TEMPLATES[key] = name
    return _TEMPLATES[key]
