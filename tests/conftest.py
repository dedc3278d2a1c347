"""Shared fixtures: every integration test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.schema import upgrade
from tests.pg import find_postgres, stop_throwaway

START = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # 2024-05-01 10:00 Asia/Shanghai


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real server; the tests fail (never skip) when none can be found or started."""
    url, data = find_postgres()
    os.environ.setdefault("CREDITLINE_TEST_POSTGRES_URL", url)
    yield url
    if data is not None:
        stop_throwaway(data)


def _schema_url(server: str, schema: str) -> str:
    url = make_url(server)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh schema on the real server, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield _schema_url(postgres_server, schema)
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'creditline.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, once per backend."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


def make_db(url: str, *, sandbox: bool = True, now: datetime = START) -> SqlDatabase:
    db = SqlDatabase.from_url(url)
    upgrade(db.engine, sandbox=sandbox, now=now)
    return db


@pytest.fixture
def db(db_url: str) -> Iterator[SqlDatabase]:
    """An initialised sandbox database whose clock reads 2024-05-01 10:00 (Asia/Shanghai)."""
    database = make_db(db_url)
    yield database
    database.dispose()
