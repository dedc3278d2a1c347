"""The analytics engines (分析引擎): DuckDB in-process by default, Apache Spark for a platform
that outgrows one machine (``local[N]`` in tests, a cluster URL such as ``spark://host:7077``
in production, where the staged Parquet must sit on storage every executor reads).

Both load the staged tables under their names and run the jobs' SQL as written; neither runs
Python on the rows (no UDFs), so Spark's executors need only Java.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

#: Spark's shuffle partitions in local mode: the default 200 is for clusters; on a few cores
#: every partition past one per core is scheduling overhead.
LOCAL_PARTITIONS = max(2, os.cpu_count() or 2)


def quoted(path: str) -> str:
    """A path as the body of a SQL string literal."""
    return path.replace("'", "''")


class DuckDbEngine:
    """DuckDB, in memory: each staged table is read into a table of its own."""

    name = "duckdb"

    def __init__(self) -> None:
        import duckdb  # noqa: PLC0415 - imported on first use (start-up time)

        self._con = duckdb.connect(":memory:")

    def load(self, staged: Mapping[str, str]) -> None:
        for table, path in staged.items():
            # the table names are STAGED's; the path is the stager's
            self._con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM '{quoted(path)}'")  # noqa: S608

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._con.execute(sql).fetchall()]

    def close(self) -> None:
        self._con.close()


class SparkEngine:
    """Apache Spark SQL: each staged table is read, cached and registered as a view of this
    engine's own session. Sessions share one ``SparkContext`` per process (``_context``): the
    JVM starts once, and a server's concurrent runs never see each other's views."""

    name = "spark"

    def __init__(self, master: str) -> None:
        self._spark = _context(master).newSession()
        self.master = master

    def load(self, staged: Mapping[str, str]) -> None:
        for table, path in staged.items():
            frame = self._spark.read.parquet(path).cache()
            frame.count()  # read now: loading is timed apart from the jobs
            frame.createOrReplaceTempView(table)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._spark.sql(sql).collect()]

    def close(self) -> None:
        for table in self._spark.catalog.listTables():
            if table.isTemporary:
                self._spark.catalog.uncacheTable(table.name)
                self._spark.catalog.dropTempView(table.name)


_LIVE: dict[str, Any] = {}
_STARTING = threading.Lock()


def _context(master: str) -> Any:
    """The process's Spark session at ``master`` (started on first use, stopped at exit; a
    different master stops the old one first)."""
    with _STARTING:
        return _started(master)


def _started(master: str) -> Any:
    live = _LIVE.get("session")
    if live is not None and not _alive(live):
        # The JVM died (killed, out of memory): its session and gateway are of no use, and
        # pyspark would keep handing them out. Forget them; a new JVM starts below.
        _forget(_LIVE.pop("session"))
        live = None
    if live is not None and _LIVE.get("master") == master:
        return live
    if live is not None:
        live.stop()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    from pyspark.sql import SparkSession  # noqa: PLC0415 - a JVM starts: only when asked

    builder = (
        SparkSession.builder.master(master)
        .appName("creditline-analytics")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", os.environ.get("CREDITLINE_SPARK_MEMORY", "1g"))
    )
    if master.startswith("local"):
        builder = builder.config("spark.sql.shuffle.partitions", str(LOCAL_PARTITIONS))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if not _LIVE:
        atexit.register(_stop)
    _LIVE.update(session=session, master=master)
    return session


def _alive(session: Any) -> bool:
    """Whether ``session``'s JVM is still running and its context not stopped. Asked of the
    local processes, never of the JVM itself: a JVM busy collecting garbage must not hold up
    every other run at the lock, nor pass for dead."""
    from pyspark import SparkContext  # noqa: PLC0415

    gateway = SparkContext._gateway  # noqa: SLF001 - pyspark's own
    proc = getattr(gateway, "proc", None)
    if proc is not None and proc.poll() is not None:
        return False  # the JVM exited (killed, out of memory)
    return SparkContext._active_spark_context is session.sparkContext  # noqa: SLF001


def _forget(session: Any) -> None:
    """Drop a dead JVM's session, context and gateway from pyspark's process-wide state, so
    that the next ``getOrCreate`` launches a new JVM instead of reusing the dead one (and end
    that JVM if it still runs)."""
    from pyspark import SparkContext  # noqa: PLC0415
    from pyspark.sql import SparkSession, SQLContext  # noqa: PLC0415

    gateway = SparkContext._gateway  # noqa: SLF001
    with contextlib.suppress(Exception):
        session.stop()
    if gateway is not None:
        with contextlib.suppress(Exception):
            gateway.shutdown()
        proc = getattr(gateway, "proc", None)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(Exception):
                proc.stdin.close()  # the JVM ends when its parent's pipe closes
            proc.terminate()
            with contextlib.suppress(Exception):
                proc.wait(timeout=30)
    SparkContext._gateway = None  # noqa: SLF001
    SparkContext._jvm = None  # noqa: SLF001
    SparkContext._active_spark_context = None  # noqa: SLF001
    SparkSession._instantiatedSession = None  # noqa: SLF001
    SparkSession._activeSession = None  # noqa: SLF001
    SQLContext._instantiatedContext = None  # noqa: SLF001


def _stop() -> None:
    live = _LIVE.pop("session", None)
    if live is not None:
        live.stop()


@contextmanager
def engine(name: str, *, master: str | None = None) -> Iterator[DuckDbEngine | SparkEngine]:
    """The engine called ``name`` (``duckdb`` or ``spark``), closed when the block ends."""
    made: DuckDbEngine | SparkEngine
    if name == "spark":
        made = SparkEngine(master or os.environ.get("CREDITLINE_SPARK_MASTER") or "local[2]")
    else:
        made = DuckDbEngine()
    try:
        yield made
    finally:
        made.close()
