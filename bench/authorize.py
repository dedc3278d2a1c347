"""Authorisations per second through creditline's use case, beside the raw limit.

For each backend (SQLite file in WAL mode, PostgreSQL), 1 and 8 client processes, and two
layouts (each client on its own line, or all on one hot line), it runs in one go:
- ours: ``creditline.service.quota.spending.authorize`` (locks the line, checks every rule, posts
  the hash-chained ledger transfer, writes the hold and the idempotency answer, durable commit);
- raw: the same effect with only the driver: a conditional UPDATE that refuses to overspend,
  an INSERT of the hold (same columns) with a unique idempotency key, a durable COMMIT, with
  the project's durability settings (SQLite WAL + synchronous=FULL + BEGIN IMMEDIATE;
  PostgreSQL synchronous_commit=on).
Each measurement runs for a fixed time after a warm-up, ours and raw back to back, and prints
ops/s and the ratio ours/raw.

    python bench/authorize.py [--seconds 3] [--backends sqlite,postgresql] [--clients 1,8]
                              [--pg-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
LIMIT = "1000000000000.00"  # never the reason for a decline
AMOUNT = "1.00"
err = Console(stderr=True)


# -- setting up ------------------------------------------------------------------------------
def make_lines(url: str, count: int) -> list[str]:
    from creditline.adapters.db.database import SqlDatabase
    from creditline.adapters.db.schema import upgrade
    from creditline.service.quota import line_admin as lines
    from creditline.service.quota import party_admin as parties

    db = SqlDatabase.from_url(url)
    upgrade(db.engine, sandbox=False, now=datetime.now(UTC))
    ids = []
    for i in range(count):
        m = parties.add_party(db, kind="merchant", name=f"bench-{i}").body["id"]
        parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="x")
        line = lines.open_line(db, m, product="merchant_bnpl", limit=LIMIT).body["id"]
        lines.activate_line(db, line)
        ids.append(line)
    db.dispose()
    return ids


RAW_DDL = [
    (
        "CREATE TABLE raw_lines (id TEXT PRIMARY KEY, available BIGINT NOT NULL, "
        "held BIGINT NOT NULL, CHECK (available >= 0))"
    ),
    (
        "CREATE TABLE raw_holds (id TEXT PRIMARY KEY, line_id TEXT NOT NULL, key TEXT NOT NULL, "
        "status TEXT NOT NULL, amount BIGINT NOT NULL, currency TEXT NOT NULL, "
        "purpose TEXT NOT NULL, order_id TEXT, policy_version TEXT NOT NULL, "
        "expires_at TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (line_id, key))"
    ),
]


def make_raw(target: str, backend: str, count: int) -> list[str]:
    ids = [f"raw_{i}" for i in range(count)]
    conn: Any = _raw_connect(target, backend)
    for ddl in RAW_DDL:
        conn.execute(ddl)
    for line_id in ids:
        conn.execute(_p("INSERT INTO raw_lines VALUES (?, ?, 0)", backend), (line_id, 10**14))
    conn.commit()
    conn.close()
    return ids


def _p(sql: str, backend: str) -> str:
    return sql.replace("?", "%s") if backend == "postgresql" else sql


def _raw_connect(target: str, backend: str) -> Any:
    if backend == "sqlite":
        conn = sqlite3.connect(target, isolation_level=None, timeout=60)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=60000")
        return _SqliteTx(conn)
    return psycopg.connect(target)


class _SqliteTx:
    """sqlite3 in autocommit mode with explicit BEGIN IMMEDIATE, as the project runs it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.open = False

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        if not self.open:
            self.conn.execute("BEGIN IMMEDIATE")
            self.open = True
        return self.conn.execute(sql, params)

    def commit(self) -> None:
        if self.open:
            self.conn.execute("COMMIT")
            self.open = False

    def close(self) -> None:
        self.conn.close()


# -- the workers -----------------------------------------------------------------------------
def worker(
    kind: str, backend: str, target: str, line_id: str, seconds: float, barrier: Any, out: Any
) -> None:
    run = {"ours": ours_op, "raw": raw_op, "batch": batch_op}[kind]
    op, done = run(backend, target, line_id)
    for _ in range(2 if kind == "batch" else 20):  # warm-up: connections, statements, caches
        op()
    barrier.wait(timeout=600)
    count, declined, latencies = 0, 0, []
    deadline = time.perf_counter() + seconds
    while (start := time.perf_counter()) < deadline:
        got = op()
        latencies.append((time.perf_counter() - start) * 1000)  # one call: a spend or a batch
        if type(got) is int:  # a batch: how many of its spends went through
            count += got
            declined += BATCH - got
        else:
            declined += 0 if got else 1
            count += 1
    done()
    out.put((count, declined, latencies))


def ours_op(_backend: str, url: str, line_id: str, db: Any = None) -> tuple[Any, Any]:
    from creditline.adapters.db.database import SqlDatabase
    from creditline.service.quota.spending import authorize

    db = db or SqlDatabase.from_url(url)
    prefix = uuid.uuid4().hex[:8]
    n = [0]

    def op() -> bool:
        n[0] += 1
        answer = authorize(
            db, line_id, amount=AMOUNT, purpose="procurement", key=f"{prefix}-{n[0]}"
        )
        return not answer.refused

    return op, db.dispose


#: Spends per batch in the batch rows (one commit each).
BATCH = 200


def batch_op(_backend: str, url: str, line_id: str, db: Any = None) -> tuple[Any, Any]:
    from creditline.adapters.db.database import SqlDatabase
    from creditline.service.quota.batch import authorize_batch

    db = db or SqlDatabase.from_url(url)
    prefix = uuid.uuid4().hex[:8]
    n = [0]

    def op() -> int:
        spends = []
        for _ in range(BATCH):
            n[0] += 1
            key = f"{prefix}-{n[0]}"
            spends.append({"line": line_id, "amount": AMOUNT, "purpose": "procurement", "key": key})
        return int(authorize_batch(db, spends).body["authorized"])

    return op, db.dispose


def raw_op(backend: str, target: str, line_id: str) -> tuple[Any, Any]:
    conn = _raw_connect(target, backend)
    prefix = uuid.uuid4().hex[:8]
    update = _p(
        "UPDATE raw_lines SET available = available - ?, held = held + ? "
        "WHERE id = ? AND available >= ?",
        backend,
    )
    insert = _p(
        "INSERT INTO raw_holds VALUES (?, ?, ?, 'authorized', ?, 'CNY', "
        "'procurement', NULL, 'v1', ?, ?)",
        backend,
    )
    n = [0]

    def op() -> bool:
        n[0] += 1
        now = datetime.now(UTC)
        cur = conn.execute(update, (100, 100, line_id, 100))
        if cur.rowcount != 1:
            conn.commit()
            return False
        conn.execute(
            insert,
            (
                f"hold-{prefix}-{n[0]}",
                line_id,
                f"{prefix}-{n[0]}",
                100,
                (now + timedelta(days=7)).isoformat(),
                now.isoformat(),
            ),
        )
        conn.commit()
        return True

    return op, conn.close


def measure(
    kind: str, backend: str, target: str, line_ids: list[str], clients: int, seconds: float
) -> tuple[float, float, float]:
    """Operations per second, and p50 and p99 of one call (ms) over every client."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(clients)
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=worker,
            args=(kind, backend, target, line_ids[i % len(line_ids)], seconds, barrier, out),
        )
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 900) for _ in procs]  # 32 processes start slowly
    for p in procs:
        p.join()
    declined = sum(d for _, d, _ in results)
    if declined:
        raise SystemExit(f"{kind} {backend}: {declined} authorisations were declined")
    times = sorted(t for _, _, ts in results for t in ts)
    p50 = times[len(times) // 2] if times else 0.0
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else 0.0
    return sum(c for c, _, _ in results) / seconds, p50, p99


# -- one configuration -----------------------------------------------------------------------
def configuration(
    backend: str,
    clients: int,
    layout: str,
    seconds: float,
    pg_url: str,
    tmp: Path,
    kind: str = "ours",
) -> dict[str, Any]:
    lines_needed = clients if layout == "distinct" else 1
    name = f"{kind}-{backend}-{clients}-{layout}"
    if backend == "sqlite":
        ours_url = f"sqlite:///{tmp / (name + '.db')}"
        raw_target = str(tmp / (name + "-raw.db"))
        schema = None
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        ours_url = with_schema(pg_url, schema)
        raw_target = with_schema(pg_url, schema).replace("postgresql+psycopg", "postgresql")
    try:
        line_ids = make_lines(ours_url, lines_needed)
        raw_ids = make_raw(raw_target, backend, lines_needed)
        raw, _, _ = measure("raw", backend, raw_target, raw_ids, clients, seconds)
        ours, p50, p99 = measure(kind, backend, ours_url, line_ids, clients, seconds)
    finally:
        if schema is not None:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return {
        "name": "authorize" if kind == "ours" else f"authorize_batch ({BATCH} per commit)",
        "backend": backend,
        "clients": clients,
        "lines": layout,
        "ops_per_s": round(ours, 1),
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "raw_ops_per_s": round(raw, 1),
        "ratio": round(ours / raw, 3) if raw else 0.0,
    }


def with_schema(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", default="1,8")
    parser.add_argument("--layouts", default="distinct,hot")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CREDITLINE_TEST_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="creditline-bench-") as tmp:
        for backend in args.backends.split(","):
            for clients in (int(c) for c in args.clients.split(",")):
                for layout in args.layouts.split(","):
                    if clients == 1 and layout == "hot":
                        continue  # one client on one line is the distinct case
                    err.print(
                        f"[dim]measuring {backend} · {clients} client(s) · {layout} "
                        f"lines · {args.seconds:g}s each…[/dim]"
                    )
                    rows.append(
                        configuration(
                            backend, clients, layout, args.seconds, args.pg_url, Path(tmp)
                        )
                    )
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(
        title="authorisations per second: creditline vs the bare driver", title_justify="left"
    )
    for col in ("backend", "clients", "lines", "ops_per_s", "raw_ops_per_s", "ratio"):
        table.add_column(col, justify="right" if col not in {"backend", "lines"} else "left")
    for r in rows:
        table.add_row(
            r["backend"],
            str(r["clients"]),
            r["lines"],
            f"{r['ops_per_s']:.0f}",
            f"{r['raw_ops_per_s']:.0f}",
            f"{r['ratio']:.2f}",
        )
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
