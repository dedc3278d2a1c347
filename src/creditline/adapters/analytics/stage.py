"""Staging (数据落地): the ledger's tables read in one snapshot and written as Parquet files
that every analytics engine reads (``service.analytics.analytics_jobs.STAGED`` names the columns).

One read transaction gives a consistent snapshot (``REPEATABLE READ`` on PostgreSQL; a WAL read
transaction on SQLite), streamed row by row into JSON lines (which keep ``NULL`` apart from the
empty string), then DuckDB turns each into Parquet, ``scale`` copies at once when asked: copy
``k`` suffixes every id with ``~k``, so copies never join each other and a job's answer on ``k``
copies is its answer on one, ``k`` times over.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from creditline.adapters.analytics.engines import quoted as _quoted
from creditline.adapters.db import tables as t
from creditline.service.analytics.analytics_jobs import STAGED
from creditline.service.uow import Database

Convert = Callable[[Any], Any]


def _seconds(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _score(kept: str | None) -> int | None:
    """The score an approval kept on its hold (``risk_features``), if it was scored."""
    if not kept:
        return None
    try:
        return int(json.loads(kept)["score"])
    except (ValueError, KeyError, TypeError):  # a damaged row: unscored here, never fatal
        return None


def _sources() -> dict[str, tuple[Any, dict[str, Convert]]]:
    """Each staged table's query, with its columns in ``STAGED`` order and their conversions."""
    h, ln, o, oc = t.holds, t.lines, t.orders, t.occupancies
    d, lb, pi, tr, p = (
        t.risk_decisions,
        t.risk_labels,
        t.party_identifiers,
        t.ledger_transfers,
        t.parties,
    )
    return {
        "parties": (sa.select(p.c.id, p.c.kind, p.c.credit_score), {}),
        "lines": (
            sa.select(
                ln.c.id,
                ln.c.party_id,
                ln.c.product,
                ln.c.status,
                ln.c.limit_minor,
                ln.c.available,
                ln.c.held,
                ln.c.occupied,
                ln.c.frozen,
                ln.c.created_at,
            ),
            {"created_s": _seconds},
        ),
        "holds": (
            sa.select(
                h.c.line_id,
                h.c.id,
                h.c.status,
                h.c.amount,
                h.c.purpose,
                h.c.counterparty_id,
                h.c.captured,
                h.c.refunded,
                h.c.risk_features,
                h.c.created_at,
                h.c.updated_at,
            ),
            {"score": _score, "created_s": _seconds, "updated_s": _seconds},
        ),
        "occupancies": (
            sa.select(oc.c.line_id, oc.c.id, oc.c.amount, oc.c.outstanding, oc.c.captured_at),
            {"captured_s": _seconds},
        ),
        "orders": (
            sa.select(
                o.c.id,
                o.c.merchant_id,
                o.c.buyer,
                o.c.amount,
                o.c.returned,
                o.c.state,
                o.c.created_at,
            ),
            {"created_s": _seconds},
        ),
        "decisions": (
            sa.select(
                d.c.party_id,
                d.c.id,
                d.c.event,
                d.c.subject,
                d.c.amount,
                d.c.outcome,
                d.c.score,
                d.c.review,
                d.c.created_at,
            ),
            {"created_s": _seconds},
        ),
        "labels": (sa.select(lb.c.subject_kind, lb.c.subject_id, lb.c.label, lb.c.pattern), {}),
        "identifiers": (sa.select(pi.c.party_id, pi.c.kind, pi.c.value), {}),
        "transfers": (
            sa.select(
                tr.c.line_id,
                tr.c.seq,
                tr.c.movement,
                tr.c.debit_account,
                tr.c.credit_account,
                tr.c.amount,
                tr.c.created_at,
            ),
            {"created_s": _seconds},
        ),
    }


def _rows(
    conn: sa.Connection, name: str, query: Any, convert: dict[str, Convert]
) -> Iterator[dict[str, Any]]:
    columns = [c for c, _ in STAGED[name]]
    result = conn.execution_options(stream_results=True, yield_per=5_000).execute(query)
    for row in result:
        yield {c: convert.get(c, _same)(v) for c, v in zip(columns, row, strict=True)}


def _same(value: Any) -> Any:
    return value


def _scaled(name: str, source: str, scale: int) -> str:
    """DuckDB's query of ``scale`` copies of a table read from its JSON lines."""
    types = ", ".join(f"'{c}': '{'VARCHAR' if k == 'ID' else k}'" for c, k in STAGED[name])
    read = f"read_json('{_quoted(source)}', format='newline_delimited', columns={{{types}}})"
    picks = []
    for column, kind in STAGED[name]:
        if kind == "ID":
            picks.append(
                f"CASE WHEN k = 0 OR {column} IS NULL THEN {column} "
                f"ELSE {column} || '~' || CAST(k AS VARCHAR) END AS {column}"
            )
        else:
            picks.append(column)
    # names from STAGED, an int and a path of ours: no outside text reaches the query
    return f"SELECT {', '.join(picks)} FROM {read}, (SELECT range AS k FROM range({int(scale)}))"  # noqa: S608


def stage(database: Database, folder: Path, scale: int) -> dict[str, tuple[str, int]]:
    """Write each staged table to ``folder/<table>.parquet``: its path and the rows written
    (``scale`` times the rows read)."""
    import duckdb  # noqa: PLC0415 - imported on first use (start-up time)

    engine = getattr(database, "engine", None)  # a SqlDatabase, or one wrapping it (audited)
    if not isinstance(engine, sa.Engine):
        raise TypeError(f"only a SQL database can be staged, not {type(database).__name__}")
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with engine.connect() as plain:
        conn = plain
        if plain.dialect.name == "postgresql":
            conn = plain.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            for name, (query, convert) in _sources().items():
                n = 0
                with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as out:
                    for row in _rows(conn, name, query, convert):
                        out.write(json.dumps(row, ensure_ascii=False))
                        out.write("\n")
                        n += 1
                counts[name] = n
    staged: dict[str, tuple[str, int]] = {}
    con = duckdb.connect(":memory:")
    try:
        for name in STAGED:
            source = folder / f"{name}.jsonl"
            target = folder / f"{name}.parquet"
            query = _scaled(name, str(source), scale)
            con.execute(f"COPY ({query}) TO '{_quoted(str(target))}' (FORMAT parquet)")
            source.unlink()
            staged[name] = (str(target), counts[name] * scale)
    finally:
        con.close()
    return staged
