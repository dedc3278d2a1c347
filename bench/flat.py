"""Answers that stay flat as a line grows: ``why``, ``line show`` and the holder's quota page
at 100, 1,000 and 10,000 open orders (captured spends not yet repaid), in-process.

Each size builds one line through the use cases (batches of authorisations, then captures),
then times each answer ``--repeat`` times and prints p50 and p99 in milliseconds, with how the
cost grows from the smallest size.

    python bench/flat.py [--sizes 100,1000,10000] [--backends sqlite,postgresql] [--repeat 200]
                         [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from authorize import DEFAULT_PG, make_lines, with_schema

err = Console(stderr=True)


def build(url: str, orders: int) -> str:
    """A line with ``orders`` open orders: each spend authorised (in batches) and captured."""
    from rich.progress import Progress

    import creditline
    from creditline.entrypoints.bootstrap import open_database

    line = make_lines(url, 1)[0]
    with open_database(url) as db, Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"building {orders} open orders", total=orders)
        done = 0
        while done < orders:
            n = min(1000, orders - done)
            spends = [
                {
                    "line": line,
                    "amount": "1.00",
                    "purpose": "procurement",
                    "key": f"b{done + i}",
                    "order": f"o-{done + i}",
                }
                for i in range(n)
            ]
            body = creditline.authorize_batch(db, spends).body
            for r in body["results"]:
                creditline.capture(db, r["hold"]["id"], amount=None, key=f"c-{r['key']}")
            done += n
            bar.update(task, completed=done)
    # What autovacuum's analyze does a minute after a bulk change: without statistics the
    # planner takes 10,000 fresh rows for a handful and sorts them all for the oldest page.
    if url.startswith("postgresql"):
        import sqlalchemy as sa

        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE lines, holds, occupancies, line_day_ends")
        engine.dispose()
    return line


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, float]:
    for _ in range(5):
        run()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def measure(url: str, orders: int, repeat: int) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    import creditline
    from creditline.entrypoints.api.app import create_app
    from creditline.entrypoints.bootstrap import open_database

    line = build(url, orders)
    rows = []
    with open_database(url) as db:
        party = creditline.show_line(db, line).body["party"]
        secret = creditline.create_key(db, party=party).body["key"]
        # entered, so the app starts as the server does (its lifespan: threads, gc.freeze)
        client = TestClient(create_app(db, log_requests=False), follow_redirects=False)
        client.__enter__()
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/signin").text)
        assert csrf is not None
        signed = client.post("/signin", data={"csrf": csrf.group(1), "key": secret})
        assert signed.status_code == 303, signed.text
        answers = {
            "why": lambda: creditline.why(db, line, amount="5.00", purpose="procurement"),
            "line show": lambda: creditline.show_line(db, line),
            "quota page": lambda: client.get(f"/lines/{line}"),
        }
        for name, run in answers.items():
            p50, p99 = timed(run, repeat)
            rows.append({"answer": name, "orders": orders, "p50_ms": p50, "p99_ms": p99})
        client.__exit__(None, None, None)
    return rows


def run(sizes: str, backends: str, repeat: int, pg_url: str) -> list[dict[str, Any]]:
    """Each size on each backend in a process of its own, as a server is: the page's app is
    the process's first (it freezes its start-up objects and, after its first answer, the
    validators FastAPI builds then, once per process), and one size's garbage is not the
    next one's."""
    rows: list[dict[str, Any]] = []
    for backend in backends.split(","):
        for size in (int(s) for s in sizes.split(",")):
            err.print(f"[dim]{backend}: {size} open orders…[/dim]")
            command = [sys.executable, __file__, "--one", backend, "--sizes", str(size)]
            command += ["--repeat", str(repeat), "--pg-url", pg_url]
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            rows += json.loads(done.stdout)
    return rows


def _one(backend: str, size: int, repeat: int, pg_url: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="creditline-flat-") as tmp:
        if backend == "sqlite":
            found = measure(f"sqlite:///{Path(tmp) / f'flat-{size}.db'}", size, repeat)
        else:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            try:
                found = measure(with_schema(pg_url, schema), size, repeat)
            finally:
                with psycopg.connect(pg_url, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return [{"backend": backend, **r} for r in found]


def show(rows: list[dict[str, Any]]) -> None:
    table = Table(title="answers as a line grows (ms)", title_justify="left")
    for col in ("backend", "answer", "orders", "p50_ms", "p99_ms", "p99 vs smallest"):
        table.add_column(col, justify="left" if col in {"backend", "answer"} else "right")
    base: dict[tuple[str, str], float] = {}
    for r in rows:
        first = base.setdefault((r["backend"], r["answer"]), r["p99_ms"])
        table.add_row(
            r["backend"],
            r["answer"],
            f"{r['orders']:,}",
            f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            f"{r['p99_ms'] / first:.1f}x",
        )
    Console(width=200).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--pg-url", default=os.environ.get("CREDITLINE_TEST_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--one", help="measure one backend's first size here (as run does)")
    args = parser.parse_args()
    if args.one:
        found = _one(args.one, int(args.sizes.split(",")[0]), args.repeat, args.pg_url)
        sys.stdout.write(json.dumps(found) + "\n")
        return
    rows = run(args.sizes, args.backends, args.repeat, args.pg_url)
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    show(rows)


if __name__ == "__main__":
    main()
