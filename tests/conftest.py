"""Shared fixtures: every integration test runs on SQLite and on a real PostgreSQL.

Tests marked ``slow`` (long hypothesis runs) are deselected by ``make test`` with ``-m "not
slow"`` and run by ``make test-long`` with ``-m slow``; nothing is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.ledger_keys import ENV_KEY as LEDGER_KEY_ENV
from creditline.adapters.ledger_keys import ENV_KEY_FILE as LEDGER_KEY_FILE_ENV
from creditline.adapters.ledger_keys import ENV_PUBLIC_KEY as LEDGER_PUBLIC_KEY_ENV
from tests.helpers import POSTGRES_ENV, make_db, postgres_database
from tests.pg import find_postgres, stop_throwaway


@pytest.fixture(scope="session", autouse=True)
def ledger_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every database the tests make, in-process or through the CLI (which inherits the
    environment), signs its ledger with one throwaway key file, never a developer's own."""
    path = tmp_path_factory.mktemp("ledger-key") / "ledger.key"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(LEDGER_KEY_FILE_ENV, str(path))
        patch.delenv(LEDGER_KEY_ENV, raising=False)
        patch.delenv(LEDGER_PUBLIC_KEY_ENV, raising=False)
        yield path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real server; the tests fail (never skip) when none can be found or started."""
    url, data = find_postgres()
    os.environ.setdefault(POSTGRES_ENV, url)
    yield url
    if data is not None:
        stop_throwaway(data)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh empty database on the real server (or a schema), dropped afterwards."""
    with postgres_database(postgres_server) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'creditline.db'}"


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, once per backend."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """A backend name for tests that make a fresh database per hypothesis example
    (``helpers.fresh_db``); on PostgreSQL the server is found first."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_server")
    return str(request.param)


@pytest.fixture
def db(db_url: str) -> Iterator[SqlDatabase]:
    """An initialised sandbox database whose clock reads 2024-05-01 10:00 (Asia/Shanghai)."""
    database = make_db(db_url)
    yield database
    database.dispose()
