"""Fresh PostgreSQL databases for the tests, initialised by copying a migrated template.

Running the migrations costs about a second for each test's database, most of it Alembic's
Python; ``CREATE DATABASE ... TEMPLATE`` copies a database this process migrated the same way
(``sandbox``, ``now``, the ledger key ``upgrade`` records) in a fraction of that. So each
PostgreSQL test gets a database of its own, dropped afterwards, where the server lets the tests
create databases (the local server and a throwaway cluster do: the tests connect as a
superuser); else a schema of the server's database, migrated for real, as before.

A database handed out empty stays empty until ``initialised_copy`` is asked for it: tests
that run ``creditline init`` themselves, or the migrations one by one, get it as it is.
"""

from __future__ import annotations

import atexit
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
    name = f"t_{uuid.uuid4().hex[:12]}"
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
        name = f"creditline_template_{uuid.uuid4().hex[:12]}"
        _admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        atexit.register(_drop, server, name)
        db = SqlDatabase.from_url(database_url(server, name))
        try:
            upgrade(db.engine, sandbox=sandbox, now=now)
        finally:
            db.dispose()
        _TEMPLATES[key] = name
    return _TEMPLATES[key]
