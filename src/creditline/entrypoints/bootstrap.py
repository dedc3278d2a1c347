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

    from creditline import Database, PasswordHasher
    from creditline.service.webhooks.webhook_ports import WebhookSender

ENV_DB = "CREDITLINE_DB"


def database_url(explicit: str | None) -> str:
    """``--db``, else ``$CREDITLINE_DB``, else a SQLite file in the working directory."""
    from creditline.adapters.db.engine import DEFAULT_URL

    return explicit or os.environ.get(ENV_DB) or DEFAULT_URL


def system_clock() -> datetime:
    """The wall clock, in UTC: the one place creditline reads the time of day."""
    return datetime.now(UTC)


@contextmanager
def open_database(explicit: str | None, *, create: bool = False) -> Iterator[Database]:
    """The database at ``database_url(explicit)``, closed when the block ends, wired here to
    the payment channel (the simulated one: no real channel is reachable from this machine),
    the working-day calendar (chinese-calendar, loaded notices, estimates past both) and the
    wall clock (a sandbox keeps its own movable clock in the database instead).

    Only ``create`` (``init``, the demo) makes a SQLite file that is not there: every other
    command on a missing file is told to run ``creditline init`` (``NotInitialised``) and
    leaves no empty file behind."""
    from creditline.adapters.db.database import SqlDatabase
    from creditline.adapters.holiday_source import ChineseCalendar
    from creditline.adapters.simulated_channel import SimulatedChannel

    database = SqlDatabase.from_url(
        database_url(explicit),
        create=create,
        channel=SimulatedChannel,
        calendar=ChineseCalendar,
        wall_clock=system_clock,
    )
    try:
        yield database
    finally:
        database.dispose()


def initialise(database: Database, *, sandbox: bool) -> dict[str, object]:
    """Create or upgrade the schema (Alembic); a new database records whether it is a sandbox
    and starts its clock now. The key that signs the ledger's checkpoints is found, or a key
    file created, outside the database (``adapters.ledger_keys``) and its public half recorded."""
    from creditline.adapters.db.database import SqlDatabase
    from creditline.adapters.db.schema import upgrade

    if not isinstance(database, SqlDatabase):
        raise TypeError(f"only a SQL database has a schema, not {type(database).__name__}")
    return upgrade(database.engine, sandbox=sandbox, now=datetime.now(UTC))


@contextmanager
def open_new_sandbox(url: str) -> Iterator[Database]:
    """A new sandbox (the demo's): the schema is created, and a database that is live or
    already has parties is refused before anything is written to it."""
    with open_database(url, create=True) as database:
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


@contextmanager
def webhook_sender() -> Iterator[WebhookSender]:
    """The sender of webhook deliveries: HTTP on httpx with short timeouts, stamping each
    delivery with the wall clock (receivers compare it with theirs); closed when the block
    ends."""
    from creditline.adapters.webhook_sender import HttpSender

    with HttpSender(wall_clock=system_clock) as sender:
        yield sender


def statement_csv(rows: list[dict[str, Any]]) -> str:
    """A statement's rows as CSV text (written with a BOM, so that Excel reads it as UTF-8)."""
    from creditline.adapters.spreadsheets import statement_csv as to_csv

    return to_csv(rows)


def statement_xlsx(body: dict[str, Any], path: Path) -> None:
    """A statement as an Excel workbook; openpyxl is imported only for this."""
    from creditline.adapters.spreadsheets import statement_xlsx as to_xlsx

    to_xlsx(body, path)


def statement_xlsx_bytes(body: dict[str, Any]) -> bytes:
    """A statement as an Excel workbook's bytes (the pages' download)."""
    from creditline.adapters.spreadsheets import statement_xlsx_bytes as to_bytes

    return to_bytes(body)


def monitor_xlsx(body: dict[str, Any]) -> bytes:
    """The daily quota monitor (额度监控表) as an Excel workbook's bytes."""
    from creditline.adapters.spreadsheets import monitor_xlsx_bytes

    return monitor_xlsx_bytes(body)


def readiness(database: Database) -> dict[str, object]:
    """Whether the database answers and carries the newest migration (``/readyz``)."""
    from alembic.script import ScriptDirectory

    from creditline.adapters.db.database import SqlDatabase
    from creditline.adapters.db.schema import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if not isinstance(database, SqlDatabase):
        return {"ready": True, "database": "ok", "revision": head, "expected": head}
    try:
        with database.engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database is "not ready"
        return {"ready": False, "database": type(exc).__name__, "revision": None, "expected": head}
    return {"ready": found == head, "database": "ok", "revision": found, "expected": head}


def password_hasher() -> PasswordHasher:
    """The hash passwords are kept with: argon2id."""
    from creditline.adapters.argon2_hasher import Argon2Hasher

    return Argon2Hasher()


#: Where scorecard versions are kept unless ``--dir`` says: ``$CREDITLINE_SCORECARDS``, else
#: ``scorecards/`` in the working directory.
ENV_SCORECARDS = "CREDITLINE_SCORECARDS"


def scorecard_store(folder: str | None, *, shipped: bool = False) -> Any:
    """The folder of scorecard versions (``ScorecardStore``), falling back on the cards
    shipped inside the package (version 0) while it keeps none of a kind; ``shipped``: the
    package's own folder of those cards (what ``scorecard train --shipped`` rewrites)."""
    from creditline.adapters.credit.scorecard_store import SHIPPED, FolderStore

    if shipped:
        return FolderStore(SHIPPED, shipped=SHIPPED)
    path = Path(folder or os.environ.get(ENV_SCORECARDS) or "scorecards")
    return FolderStore(path, shipped=SHIPPED)


def scorecard_fitter(kind: str = "consumer") -> Any:
    """Fitting a card of ``kind`` with optbinning (``ScorecardFitter``): the consumer card on
    the German credit data, the merchant card on the simulated merchant population."""
    import functools

    from creditline.adapters.credit.scorecard_fit import fit_scorecard

    return functools.partial(fit_scorecard, kind=kind)


def risk_model_fitter() -> Any:
    """Fitting the learned cash-out model with LightGBM (``adapters.risk.model_fit``)."""
    from creditline.adapters.risk.model_fit import fit_model

    return fit_model


def analytics_stager() -> Any:
    """Staging the ledger as Parquet for the analytics engines (``adapters.analytics.stage``)."""
    from creditline.adapters.analytics.stage import stage

    return stage


def analytics_stager_once() -> Any:
    """A stager that stages on its first call and hands the same tables to later calls for the
    same folder and scale: two engines compared on one staging, so on one snapshot of the
    ledger (a change between two stagings could not pass for a disagreement). For one thread:
    the runs it serves follow each other."""
    stage = analytics_stager()
    done: dict[tuple[str, int], Any] = {}

    def once(database: Any, folder: Path, scale: int) -> Any:
        key = (str(folder), scale)
        if key not in done:
            done[key] = stage(database, folder, scale)
        return done[key]

    return once


def stage_folder(folder: Path | None) -> Any:
    """``folder`` as a context manager, else a temporary folder removed at its end, made inside
    ``$CREDITLINE_ANALYTICS_STAGE`` when it is set (storage every Spark executor reads)."""
    import tempfile
    from contextlib import nullcontext

    if folder is not None:
        return nullcontext(str(folder))
    root = os.environ.get(STAGE_ROOT_ENV) or None
    if root is not None and not Path(root).is_dir():
        raise InvalidInput(STAGE_ROOT_ENV, f"{STAGE_ROOT_ENV}: no such folder {root}")
    return tempfile.TemporaryDirectory(prefix="creditline-stage-", dir=root)


def analytics_engine(name: str, *, master: str | None = None) -> Any:
    """The analytics engine ``name`` (``duckdb``, ``spark``) as a context manager; Spark runs at
    ``master``, else ``$CREDITLINE_SPARK_MASTER``, else ``local[2]``."""
    from creditline.adapters.analytics.engines import engine

    return engine(name, master=master)


#: Where runs without a folder of their own stage the ledger (a temporary folder inside it).
STAGE_ROOT_ENV = "CREDITLINE_ANALYTICS_STAGE"


def analytics_run(
    database: Database,
    *,
    engine: str = "duckdb",
    master: str | None = None,
    folder: Path | None = None,
    stager: Any = None,
    **options: Any,
) -> Any:
    """``run_analytics`` wired: the ledger staged in ``folder`` (``stage_folder``) by
    ``stager`` (``analytics_stager()`` by default) and read by the engine ``engine`` at
    ``master``; ``options`` are the use case's (``jobs``, ``scale``, ``listed``,
    ``progress``)."""
    import creditline

    where = stage_folder(folder)
    with where as path, analytics_engine(engine, master=master) as made:
        return creditline.run_analytics(
            database,
            stage=stager or analytics_stager(),
            engine=made,
            folder=Path(path),
            timer=perf_timer,
            **options,
        )


def perf_timer() -> int:
    """A monotonic timer in nanoseconds, for the use cases that time their own phases."""
    import time

    return time.perf_counter_ns()
