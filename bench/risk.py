"""What inline risk scoring (风控) costs an authorisation: throughput and added latency.

For each backend it runs ``creditline.service.quota.spending.authorize`` on a set of lines, in
alternating blocks with the default rule set and with scoring switched off (the scoring
functions replaced by no-ops in this process, on a second database with the same lines), and
prints ops/s, p50/p99 latency of both, the
added p50/p99 and the ratio scored/unscored throughput (aim: at least 0.7).

    python bench/risk.py [--seconds 6] [--lines 500] [--backends sqlite,postgresql] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.schema import upgrade
from creditline.domain.risk.features import RequestFeatures
from creditline.domain.risk.rules import Outcome, Verdict
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from creditline.service.risk import scoring as risk

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
err = Console(stderr=True)


def setup(url: str, count: int) -> tuple[SqlDatabase, list[str]]:
    db = SqlDatabase.from_url(url)
    upgrade(db.engine, sandbox=False, now=datetime.now(UTC))
    ids = []
    for i in range(count):
        m = parties.add_party(db, kind="merchant", name=f"bench-{i}").body["id"]
        parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="x")
        risk.link(db, m, {"device": f"dev-{i}", "phone": f"phone-{i}"})
        line = lines.open_line(db, m, product="merchant_bnpl", limit="1000000000.00").body["id"]
        lines.activate_line(db, line)
        ids.append(line)
    return db, ids


def _off() -> Callable[[], None]:
    """Switch scoring off in this process; returns the function that switches it back."""
    saved = (spending.assess_spend, spending.record, spending.counters_after)

    def assess(*_a: Any, **_k: Any) -> tuple[Verdict, RequestFeatures]:
        return Verdict(Outcome.APPROVE, 0, (), 0), RequestFeatures({})

    spending.assess_spend = assess  # type: ignore[assignment]
    spending.record = lambda *_a, **_k: ""  # type: ignore[assignment]
    spending.counters_after = lambda *_a, **_k: None  # type: ignore[assignment]

    def restore() -> None:
        spending.assess_spend, spending.record, spending.counters_after = saved  # type: ignore[assignment]

    return restore


def run_block(db: SqlDatabase, ids: list[str], seconds: float, tag: str) -> list[float]:
    took: list[float] = []
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        line = ids[i % len(ids)]
        t0 = time.perf_counter()
        spending.authorize(
            db, line, amount="1.00", purpose="procurement", key=f"{tag}-{i}", counterparty="sup-1"
        )
        took.append(time.perf_counter() - t0)
        i += 1
    return took


def measure(urls: tuple[str, str], lines_count: int, seconds: float, label: str) -> dict[str, Any]:
    """Scored and unscored each on its own database (the unscored one keeps no running
    totals), in alternating blocks so that drift hits both the same."""
    db, ids = setup(urls[0], lines_count)
    db_off, ids_off = setup(urls[1], lines_count)
    run_block(db, ids, 0.5, "warm")
    scored: list[float] = []
    plain: list[float] = []
    blocks = 6
    for b in range(blocks):
        scored += run_block(db, ids, seconds / blocks / 2, f"s{b}")
        restore = _off()
        try:
            if b == 0:
                run_block(db_off, ids_off, 0.5, "warm")
            plain += run_block(db_off, ids_off, seconds / blocks / 2, f"p{b}")
        finally:
            restore()
    db.dispose()
    db_off.dispose()

    def pct(xs: list[float], q: float) -> float:
        return statistics.quantiles(xs, n=100)[int(q) - 1] * 1e3

    ops = len(scored) / sum(scored)
    raw = len(plain) / sum(plain)
    return {
        "backend": label,
        "lines": lines_count,
        "scored_ops_per_s": round(ops),
        "unscored_ops_per_s": round(raw),
        "ratio": round(ops / raw, 3),
        "p50_ms": round(pct(scored, 50), 3),
        "p99_ms": round(pct(scored, 99), 3),
        "unscored_p50_ms": round(pct(plain, 50), 3),
        "unscored_p99_ms": round(pct(plain, 99), 3),
        "added_p50_ms": round(pct(scored, 50) - pct(plain, 50), 3),
        "added_p99_ms": round(pct(scored, 99) - pct(plain, 99), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--lines", type=int, default=500)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                err.print("sqlite …")
                urls = (f"sqlite:///{Path(tmp) / 'on.db'}", f"sqlite:///{Path(tmp) / 'off.db'}")
                rows.append(measure(urls, args.lines, args.seconds, "sqlite"))
        else:
            schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
            with psycopg.connect(args.pg_url, autocommit=True) as conn:
                for schema in schemas:
                    conn.execute(f"CREATE SCHEMA {schema}")
            try:
                sep = "&" if "?" in args.pg_url else "?"
                on, off = (
                    f"{args.pg_url}{sep}options=-csearch_path%3D{schema}".replace(
                        "postgresql://", "postgresql+psycopg://", 1
                    )
                    for schema in schemas
                )
                err.print("postgresql …")
                rows.append(measure((on, off), args.lines, args.seconds, "postgresql"))
            finally:
                with psycopg.connect(args.pg_url, autocommit=True) as conn:
                    for schema in schemas:
                        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title="inline risk scoring: authorisations/s, scored vs unscored (1 client)")
    for col in (
        "backend",
        "scored/s",
        "unscored/s",
        "ratio",
        "p50",
        "p99",
        "added p50",
        "added p99",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            r["backend"],
            str(r["scored_ops_per_s"]),
            str(r["unscored_ops_per_s"]),
            f"{r['ratio']:.2f}",
            f"{r['p50_ms']:.2f} ms",
            f"{r['p99_ms']:.2f} ms",
            f"{r['added_p50_ms']:.2f} ms",
            f"{r['added_p99_ms']:.2f} ms",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
