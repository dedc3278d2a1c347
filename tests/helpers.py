"""What the tests share besides fixtures: fresh databases, the real command, tampering, onboarding.

Fixtures stay in ``conftest.py``; strategies in ``strategies.py``; test modules import from
here and never from one another.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.schema import upgrade
from creditline.adapters.ledger_keys import load_signing_key
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from tests.pg_copies import initialised_copy, new_database

START = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # 2024-05-01 10:00 Asia/Shanghai
CLI = str(Path(sys.executable).parent / "creditline")
#: Seconds one CLI call may take. Generous: two cores shared by parallel workers and a
#: PostgreSQL server made 60 s time out under load, which failed tests for no reason of theirs.
CLI_TIMEOUT = float(os.environ.get("CREDITLINE_TEST_CLI_TIMEOUT", "600"))
POSTGRES_ENV = "CREDITLINE_TEST_POSTGRES_URL"


def make_db(url: str, *, sandbox: bool = True, now: datetime = START) -> SqlDatabase:
    """An initialised database at ``url`` (a sandbox whose clock reads ``now`` by default).

    A new SQLite file is a copy of one this process initialised the same way (``sandbox``,
    ``now``, the ledger key ``upgrade`` would record): byte for byte what the migrations
    would write, for a tenth of their time. A PostgreSQL database the fixtures made empty is
    a copy of a template database migrated the same way (``pg_copies``)."""
    path = _new_sqlite_file(url)
    template = _sqlite_template(sandbox, now) if path is not None else None
    if path is not None and template is not None:
        shutil.copyfile(template, path)
        return SqlDatabase.from_url(url)
    if initialised_copy(url, sandbox=sandbox, now=now):
        return SqlDatabase.from_url(url)
    db = SqlDatabase.from_url(url)
    upgrade(db.engine, sandbox=sandbox, now=now)
    return db


#: Initialised SQLite files by (sandbox, now, the public key ``upgrade`` records).
_SQLITE_TEMPLATES: dict[tuple[bool, datetime, str], Path] = {}


def _new_sqlite_file(url: str) -> Path | None:
    """The path of the SQLite file ``url`` names, if it is a plain file not made yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.query:
        return None
    if parsed.database in {None, "", ":memory:"}:
        return None
    path = Path(str(parsed.database))
    return None if path.exists() else path


def _sqlite_template(sandbox: bool, now: datetime) -> Path | None:
    """A file initialised by ``upgrade(sandbox, now)`` under the ledger key found now; none
    while there is no key yet (``upgrade`` makes the key file: that one runs for real)."""
    loaded = load_signing_key(sandbox=sandbox)
    if loaded is None:
        return None
    key = (sandbox, now, loaded.key.public.text)
    if key not in _SQLITE_TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="creditline-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "template.db"
        db = SqlDatabase.from_url(f"sqlite:///{path}")
        try:
            upgrade(db.engine, sandbox=sandbox, now=now)
        finally:
            db.dispose()
        # The last connection closed checkpointed the write-ahead log into the file itself.
        assert not path.with_name(path.name + "-wal").exists()
        _SQLITE_TEMPLATES[key] = path
    return _SQLITE_TEMPLATES[key]


def schema_url(server: str, schema: str) -> str:
    """``server``'s URL with ``schema`` first on the search path."""
    url = make_url(server)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def create_schema(server: str) -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema


def drop_schema(server: str, schema: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def fresh_db(backend: str, tmp_dir: Path | None = None) -> Iterator[SqlDatabase]:
    """A new initialised database for one hypothesis example (function fixtures live once per
    test, not per example). PostgreSQL needs the ``postgres_server`` fixture to have run: it
    publishes the server's URL in ``$CREDITLINE_TEST_POSTGRES_URL``."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(dir=tmp_dir) as tmp:
            db = make_db(f"sqlite:///{Path(tmp) / 'creditline.db'}")
            try:
                yield db
            finally:
                db.dispose()
        return
    with postgres_database(os.environ[POSTGRES_ENV]) as url:
        db = make_db(url)
        try:
            yield db
        finally:
            db.dispose()


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """The URL of an empty database on ``server`` (one of its own where the server lets the
    tests create databases, else a schema), dropped afterwards."""
    made = new_database(server)
    if made is not None:
        url, drop = made
        try:
            yield url
        finally:
            drop()
        return
    schema = create_schema(server)
    try:
        yield schema_url(server, schema)
    finally:
        drop_schema(server, schema)


def backend_of(url: str) -> str:
    return make_url(url).get_backend_name()


# -- the real command -------------------------------------------------------------------------
def run_command(
    args: list[str], *, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``creditline ARGS`` run in this process, as the installed script runs it: its ``main``
    with ``sys.argv``, stdin (the text ``stdin``), stdout and stderr of its own, ``env`` added
    to the environment, the exit code taken from ``SystemExit`` (an uncaught exception is exit
    1 with its traceback on stderr, as Python would end a process). What a process would start
    afresh is reset first: the global options (``STATE``) and the terminals (``console()``
    reads ``COLUMNS`` when it is made). A fraction of the 1.2 s a new process costs (imports,
    mostly); not for ``serve`` or ``worker``, which keep running."""
    from creditline.entrypoints.cli import common, output
    from creditline.entrypoints.cli.main import main

    common.STATE.db, common.STATE.json = None, False
    output.console.cache_clear()
    output.err_console.cache_clear()
    stdout, stderr = _stream(), _stream()
    saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr, dict(os.environ))
    sys.argv, sys.stdin, sys.stdout, sys.stderr = (
        ["creditline", *args],
        io.StringIO(stdin),
        stdout,
        stderr,
    )
    os.environ.update(env or {})
    try:
        main()
        code = 0
    except SystemExit as done:
        code = _exit_status(done.code, stderr)
    except Exception:  # noqa: BLE001 - what would end the process ends the command, exit 1
        traceback.print_exc(file=stderr)
        code = 1
    finally:
        sys.argv, sys.stdin, sys.stdout, sys.stderr, environ = saved
        os.environ.clear()
        os.environ.update(environ)
        output.console.cache_clear()
        output.err_console.cache_clear()
    return subprocess.CompletedProcess([CLI, *args], code, _text(stdout), _text(stderr))


def _stream() -> io.TextIOWrapper:
    """A captured standard stream: UTF-8 text over bytes, no terminal (as a pipe is)."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    raw = stream.buffer
    assert isinstance(raw, io.BytesIO)
    return raw.getvalue().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _exit_status(code: object, stderr: io.TextIOWrapper) -> int:
    """The exit status ``sys.exit(code)`` gives a process: None is 0, an int itself, anything
    else is printed to stderr and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)
    return 1


def cli(
    url: str, *args: str, check: int | None = 0, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``creditline --db URL ARGS``; with ``check``, assert its exit code. In this process
    (``run_command``) unless ``process``: then the installed script in a new process, which
    each command story does at least once, so that the real entry point stays covered."""
    if process:
        done = subprocess.run(
            [CLI, "--db", url, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=CLI_TIMEOUT,
        )
    else:
        done = run_command(["--db", url, *args])
    if check is not None:
        assert done.returncode == check, (args, done.stdout, done.stderr)
    return done


def js(url: str, *args: str, check: int | None = 0, process: bool = False) -> dict[str, Any]:
    """The JSON answer of ``creditline ... --json`` (``process``: as ``cli`` says)."""
    return json.loads(cli(url, *args, "--json", check=check, process=process).stdout)


# -- tampering: raw SQL behind the application's back -----------------------------------------
#: The triggers that make each book's history append-only, per backend.
APPEND_ONLY_GUARDS = {
    "sqlite": [
        "DROP TRIGGER ledger_transfers_no_update",
        "DROP TRIGGER ledger_transfers_no_delete",
        "DROP TRIGGER funds_transfers_no_update",
        "DROP TRIGGER funds_transfers_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER ledger_transfers_append_only ON ledger_transfers",
        "DROP TRIGGER funds_transfers_append_only ON funds_transfers",
    ],
}


def tamper(url: str, statements: list[str], params: dict[str, Any] | None = None) -> None:
    """Run ``statements`` on the database at ``url`` outside creditline, as an intruder would."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database or "")
        for s in statements:
            conn.execute(s, params or {})
        conn.commit()
        conn.close()
        return
    options = str(dict(parsed.query).get("options", ""))
    base = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    with psycopg.connect(base, autocommit=True) as conn:
        if "search_path=" in options:  # a schema of the server's database, not one of its own
            conn.execute(f"SET search_path TO {options.split('search_path=')[1]}")
        for s in statements:
            conn.execute(_pg(s), params)


def _pg(statement: str) -> str:
    """``:name`` placeholders (sqlite3's style) as psycopg's ``%(name)s``."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", statement)


def drop_append_only_guards(url: str) -> None:
    tamper(url, APPEND_ONLY_GUARDS[backend_of(url)])


# -- onboarding through the use cases ---------------------------------------------------------
def active_line(
    db: SqlDatabase, name: str = "衣尚坊", *, limit: str = "100000.00", category: str | None = None
) -> tuple[str, str]:
    """A verified merchant with an active merchant_bnpl line: (merchant, line)."""
    m = parties.add_party(db, kind="merchant", name=name, category=category).body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="6222")
    line = lines.open_line(db, m, product="merchant_bnpl", limit=limit).body["id"]
    lines.activate_line(db, line)
    return m, line
