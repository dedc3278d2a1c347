"""What the tests share besides fixtures: fresh databases, the real command, tampering, onboarding.

Fixtures stay in ``conftest.py``; strategies in ``strategies.py``; test modules import from
here and never from one another.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
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
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties

START = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # 2024-05-01 10:00 Asia/Shanghai
CLI = str(Path(sys.executable).parent / "creditline")
#: Seconds one CLI call may take. Generous: two cores shared by parallel workers and a
#: PostgreSQL server made 60 s time out under load, which failed tests for no reason of theirs.
CLI_TIMEOUT = float(os.environ.get("CREDITLINE_TEST_CLI_TIMEOUT", "600"))
POSTGRES_ENV = "CREDITLINE_TEST_POSTGRES_URL"


def make_db(url: str, *, sandbox: bool = True, now: datetime = START) -> SqlDatabase:
    """An initialised database at ``url`` (a sandbox whose clock reads ``now`` by default)."""
    db = SqlDatabase.from_url(url)
    upgrade(db.engine, sandbox=sandbox, now=now)
    return db


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
    server = os.environ[POSTGRES_ENV]
    schema = create_schema(server)
    db = make_db(schema_url(server, schema))
    try:
        yield db
    finally:
        db.dispose()
        drop_schema(server, schema)


def backend_of(url: str) -> str:
    return make_url(url).get_backend_name()


# -- the real command -------------------------------------------------------------------------
def cli(url: str, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    """Run ``creditline --db URL ARGS``; with ``check``, assert its exit code."""
    done = subprocess.run(
        [CLI, "--db", url, *args], capture_output=True, text=True, check=False, timeout=CLI_TIMEOUT
    )
    if check is not None:
        assert done.returncode == check, (args, done.stdout, done.stderr)
    return done


def js(url: str, *args: str, check: int | None = 0) -> dict[str, Any]:
    """The JSON answer of ``creditline ... --json``."""
    return json.loads(cli(url, *args, "--json", check=check).stdout)


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
    options = dict(parsed.query).get("options", "")
    schema = str(options).split("search_path=")[1]
    base = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {schema}")
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
