"""The ports of batch analytics: an engine that loads staged tables and answers SQL, and the
stager that writes the ledger's tables for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from creditline.service.uow import Database


class AnalyticsEngine(Protocol):
    """DuckDB, Spark, or any engine that reads Parquet and speaks the jobs' SQL."""

    name: str

    def load(self, staged: Mapping[str, str]) -> None:
        """Read each staged table (name → Parquet path) under its name."""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Every row of a query."""


#: ``stage(db, folder, scale)`` → table → (Parquet path, rows written).
Stager = Callable[[Database, Path, int], dict[str, tuple[str, int]]]
#: A monotonic timer in nanoseconds (``time.perf_counter_ns``): the use case times its phases.
Timer = Callable[[], int]
#: ``progress(step, done, total)``.
Progress = Callable[[str, int, int], None]
