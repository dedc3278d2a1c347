"""Wires adapters to the use cases: the one place entrypoints learn which database, schema,
channel, calendar, clock and file formats are used.

Adapters are imported inside each function, when a command needs them: SQLAlchemy alone costs
more start-up time than all of ``creditline --help``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creditline import InvalidInput

if TYPE_CHECKING:
    from datetime import date

    from creditline import Database

ENV_DB = "CREDITLINE_DB"


def database_url(explicit: str | None) -> str:
    """``--db``, else ``$CREDITLINE_DB``, else a SQLite file in the working directory."""
    from creditline.adapters.db.engine import DEFAULT_URL

    return explicit or os.environ.get(ENV_DB) or DEFAULT_URL


@contextmanager
def open_database(explicit: str | None) -> Iterator[Database]:
    """The database at ``database_url(explicit)``, closed when the block ends. The SQL adapter
    brings the payment channel (simulated), the working-day calendar (chinese-calendar plus
    loaded notices) and the clock (the wall clock, or a sandbox's stored one)."""
    from creditline.adapters.db.database import SqlDatabase

    database = SqlDatabase.from_url(database_url(explicit))
    try:
        yield database
    finally:
        database.dispose()


def initialise(database: Database, *, sandbox: bool) -> dict[str, object]:
    """Create or upgrade the schema (Alembic); a new database records whether it is a sandbox
    and starts its clock now."""
    from creditline.adapters.db.database import SqlDatabase
    from creditline.adapters.db.schema import upgrade

    if not isinstance(database, SqlDatabase):
        raise TypeError(f"only a SQL database has a schema, not {type(database).__name__}")
    return upgrade(database.engine, sandbox=sandbox, now=datetime.now(UTC))


@contextmanager
def open_new_sandbox(url: str) -> Iterator[Database]:
    """A new sandbox (the demo's): the schema is created, and a database that is live or
    already has parties is refused before anything is written to it."""
    with open_database(url) as database:
        initialise(database, sandbox=True)
        with database.transaction(write=False) as uow:
            in_use = not uow.reference.is_sandbox() or uow.parties.has_activity()
        if in_use:
            raise InvalidInput("db", f"the demo needs a new, empty database; {url} is in use")
        yield database


def read_holiday_notice(path: str) -> dict[date, tuple[bool, str]]:
    """An official holiday notice (放假安排, JSON) as ``{day: (is_workday, name)}``."""
    from creditline.adapters.holiday_source import read_notice

    return read_notice(path)


def statement_csv(rows: list[dict[str, Any]]) -> str:
    """A statement's rows as CSV text (written with a BOM, so that Excel reads it as UTF-8)."""
    from creditline.adapters.spreadsheets import statement_csv as to_csv

    return to_csv(rows)


def statement_xlsx(body: dict[str, Any], path: Path) -> None:
    """A statement as an Excel workbook; openpyxl is imported only for this."""
    from creditline.adapters.spreadsheets import statement_xlsx as to_xlsx

    to_xlsx(body, path)
