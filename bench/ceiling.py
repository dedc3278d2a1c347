"""How high issue 18's aims can go on this machine: each ceiling beside its aim, in one run.

- **Per spend (aim: 0.5 of the driver).** The bare driver's spend, ours, and ours replayed:
  every driver call one spend of ours makes (its statements with their parameters, its
  fetches, psycopg's pipelines, its commit), recorded and made again with a plain connection on
  a copy of the database as it was (``replay.py``). That is the time a program writing exactly
  our rows needs if its own code costs nothing: ``raw / replayed`` is the highest ratio our
  write set allows.
- **Batches (aim: 5x the raw single commit).** The same for ``authorize_batch`` (200 spends,
  one commit): the replay's time per spend gives the most spends per second a batch of our
  writes can reach, as a multiple of the raw single-commit rate.
- **The API (aim: 32 clients above the raw single-commit rate, p99 < 50 ms).** A FastAPI app on
  uvicorn (as ``creditline serve`` runs it) that parses the same request and answers a fixed
  JSON without any database, under the same 32-connection load as ``make bench``'s API rows,
  beside the raw driver with 32 clients. No API on this stack and machine answers faster.

    python bench/ceiling.py [--seconds 5] [--backends sqlite,postgresql] [--api-clients 32]
                            [--pg-url URL] [--json] [--out bench/results]

It writes ``ceiling.json`` beside ``latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
import api
import authorize
import replay

err = Console(stderr=True)


def _timed(op: Callable[[], Any], seconds: float) -> tuple[int, float, float]:
    """Calls of ``op`` in ``seconds``: (calls, wall seconds, CPU seconds of this process)."""
    for _ in range(20):
        op()
    calls, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
    deadline = wall0 + seconds
    while time.perf_counter() < deadline:
        op()
        calls += 1
    return calls, time.perf_counter() - wall0, time.process_time() - cpu0


def spend_ceilings(backend: str, seconds: float, pg_url: str, tmp: Path) -> list[dict[str, Any]]:
    """The per-spend and batch ceilings of one backend, one client."""
    if backend == "sqlite":
        ours_url, raw_target, schema = f"sqlite:///{tmp / 'ceiling.db'}", str(tmp / "raw.db"), None
    else:
        ours_url, schema = api.fresh_schema(pg_url)
        raw_target = ours_url.replace("postgresql+psycopg", "postgresql")
    try:
        line = authorize.make_lines(ours_url, 1)[0]
        raw_line = authorize.make_raw(raw_target, backend, 1)[0]
        raw_op, raw_done = authorize.raw_op(backend, raw_target, raw_line)
        n, wall, _ = _timed(raw_op, seconds)
        raw_done()
        raw_ms = wall / n * 1000
        rows = []
        for kind, make, per_call in (
            ("authorize", authorize.ours_op, 1),
            (
                f"authorize_batch ({authorize.BATCH} per commit)",
                authorize.batch_op,
                authorize.BATCH,
            ),
        ):
            op, done = make(backend, ours_url, line)
            calls, wall, _ = _timed(op, seconds)
            done()
            ours_ms = wall / calls / per_call * 1000
            # As many calls again, recorded and replayed (a batch: at least 5 of 200).
            replays = max(5, min(calls, 2000))
            driver_ms = replay.replayed_ms(backend, make, replays, pg_url, str(tmp)) / per_call
            rows.append(
                {
                    "name": kind,
                    "backend": backend,
                    "raw_ms": round(raw_ms, 3),
                    "ours_ms": round(ours_ms, 3),
                    "driver_ms": round(driver_ms, 3),
                    "python_ms": round(ours_ms - driver_ms, 3),
                    "ratio": round(raw_ms / ours_ms, 3),
                    "ceiling": round(raw_ms / driver_ms, 3),
                    "aim": 0.5 if per_call == 1 else 5.0,
                }
            )
        return rows
    finally:
        if schema is not None:
            api.drop_schema(pg_url, schema)


# -- the API's floor: no database at all ------------------------------------------------------
def floor_app() -> Any:
    """The least an authorisation over HTTP can cost here: FastAPI validates the same body with
    pydantic and answers a fixed JSON."""
    from fastapi import FastAPI, Header
    from pydantic import BaseModel

    class Spend(BaseModel):
        amount: int
        currency: str
        purpose: str

    app = FastAPI()

    @app.post("/v1/lines/{line}/authorizations")
    def spend(
        line: str,
        body: Spend,
        idempotency_key: Annotated[str, Header()],
        authorization: Annotated[str, Header()],
    ) -> dict[str, Any]:
        holder = authorization.removeprefix("Bearer ")[:8]
        return {"line": line, "amount": body.amount, "key": idempotency_key, "holder": holder}

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _serve_floor() -> tuple[subprocess.Popen[bytes], int]:
    port = api.free_port()
    code = (
        "import sys, uvicorn; sys.path.insert(0, sys.argv[1]); "
        "uvicorn.run('ceiling:floor_app', factory=True, host='127.0.0.1', "
        "port=int(sys.argv[2]), access_log=False, log_level='warning')"
    )
    here = str(Path(__file__).parent)
    proc = subprocess.Popen([sys.executable, "-c", code, here, str(port)], start_new_session=True)
    api.wait_ready(proc, port)
    return proc, port


def raw_rate(clients: int, seconds: float, pg_url: str) -> float:
    """The bare driver's spends per second on PostgreSQL, ``clients`` processes on own lines."""
    url, schema = api.fresh_schema(pg_url)
    target = url.replace("postgresql+psycopg", "postgresql")
    try:
        ids = authorize.make_raw(target, "postgresql", clients)
        return round(authorize.measure("raw", "postgresql", target, ids, clients, seconds)[0], 1)
    finally:
        api.drop_schema(pg_url, schema)


def api_floor(
    clients: int, seconds: float, pg_url: str, batch_ms: float | None
) -> list[dict[str, Any]]:
    """The no-database API under ``clients`` connections, beside the raw driver's rate with as
    many clients on PostgreSQL; and, from ``batch_ms`` (one spend's time in a PostgreSQL batch,
    ours and the server's, one client), the most a group-committing server could reach if
    HTTP were free and every core ran batches: ``cores / batch_ms``."""
    proc, port = _serve_floor()
    try:
        pairs = [(f"line_{i}", "key") for i in range(clients)]
        api.load(port, pairs, 1.0, None)  # warm-up
        peak = api.load(port, pairs, seconds, None)
    finally:
        api.stop(proc)
    raw = raw_rate(clients, seconds, pg_url)
    rows = [
        {
            "name": "api without a database",
            "clients": clients,
            "ops_per_s": round(peak["ops"], 1),
            "p50_ms": round(peak["p50_ms"], 2),
            "p99_ms": round(peak["p99_ms"], 2),
            "raw_ops_per_s": raw,
            "ceiling": round(peak["ops"] / raw, 3),
        }
    ]
    if batch_ms:
        bound = min(peak["ops"], (os.cpu_count() or 1) * 1000 / batch_ms)
        rows.append(
            {
                "name": "api + group commit, HTTP free (bound)",
                "clients": clients,
                "ops_per_s": round(bound, 1),
                "p50_ms": None,
                "p99_ms": None,
                "raw_ops_per_s": raw,
                "ceiling": round(bound / raw, 3),
            }
        )
    return rows


def show(spends: list[dict[str, Any]], floors: list[dict[str, Any]]) -> None:
    table = Table(title="issue 18's aims beside what this machine allows (one run)")
    for column in ("row", "backend", "raw ms", "ours ms", "replayed ms", "our code ms"):
        table.add_column(column, justify="left" if column in {"row", "backend"} else "right")
    for column in ("ratio", "ceiling", "aim"):
        table.add_column(column, justify="right")
    for r in spends:
        aim = "≥ 0.5 of raw" if r["aim"] < 1 else "≥ 5x raw"
        table.add_row(
            r["name"], r["backend"], f"{r['raw_ms']:.3f}", f"{r['ours_ms']:.3f}",
            f"{r['driver_ms']:.3f}", f"{r['python_ms']:.3f}",
            f"{r['ratio']:.2f}", f"{r['ceiling']:.2f}", aim,
        )  # fmt: skip
    Console(width=max(Console().width, 130)).print(table)
    if floors:
        api_table = Table(title="the API's floor: no database, same load")
        api_table.add_column("row")
        for column in ("clients", "ops/s", "p50 ms", "p99 ms", "raw PG ops/s", "ceiling", "aim"):
            api_table.add_column(column, justify="right")
        for f in floors:
            p50, p99 = (f"{f[k]:.1f}" if f[k] is not None else "" for k in ("p50_ms", "p99_ms"))
            api_table.add_row(
                f["name"], str(f["clients"]), f"{f['ops_per_s']:,.0f}", p50, p99,
                f"{f['raw_ops_per_s']:,.0f}", f"{f['ceiling']:.2f}", "> 1.0 of raw, p99 < 50 ms",
            )  # fmt: skip
        Console(width=max(Console().width, 130)).print(api_table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--api-clients", default="32", help="'' for none")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CREDITLINE_TEST_POSTGRES_URL", authorize.DEFAULT_PG)
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    spends: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="creditline-ceiling-") as tmp:
        for backend in args.backends.split(","):
            err.print(f"[dim]per spend and batch · {backend}…[/dim]")
            spends += spend_ceilings(backend, args.seconds, args.pg_url, Path(tmp))
        pg_batch = [r["ours_ms"] for r in spends if r["backend"] == "postgresql" and r["aim"] > 1]
        for clients in (int(c) for c in args.api_clients.split(",") if c):
            err.print(f"[dim]the API without a database · {clients} clients…[/dim]")
            floors += api_floor(clients, args.seconds, args.pg_url, next(iter(pg_batch), None))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ceiling.json").write_text(json.dumps({"spend": spends, "api": floors}, indent=2))
    if args.json:
        print(json.dumps({"spend": spends, "api": floors}, indent=2))
    else:
        show(spends, floors)
        err.print(f"→ {out / 'ceiling.json'}")


if __name__ == "__main__":
    main()
