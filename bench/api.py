"""Authorisations per second through the HTTP API, beside the in-process use case, in one run.

On PostgreSQL it sets up one line per client (so lines do not contend), a holder's key for
each, then for each worker count (1 and 4):
- api: ``creditline serve --workers W`` (uvicorn) and a separate load process on loopback:
  first closed-loop with C connections for the peak rate, then open-loop at half that rate
  for the latency (measured from each request's scheduled time, so a stall is not hidden);
- in-process: the ``authorize`` use case called in W processes, C/W lines each, as fast as
  they go.
It prints ops/s, p50/p99 and the ratio api/in-process. Bounded in count and in time.

    python bench/api.py [--seconds 5] [--workers 1,4] [--connections 8] [--pg-url URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
LIMIT = "1000000000000.00"
MAX_REQUESTS = 200_000  # a bound on any one measurement
err = Console(stderr=True)


# -- setting up -------------------------------------------------------------------------------
def fresh_schema(server: str) -> tuple[str, str]:
    schema = f"bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options=-csearch_path%3D{schema}", schema


def drop_schema(server: str, schema: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def setup(url: str, count: int) -> list[tuple[str, str]]:
    """``count`` active lines, each with its holder's API key: ``[(line, key)]``."""
    import creditline
    from creditline.entrypoints.bootstrap import initialise, open_database

    out = []
    with open_database(url, create=True) as db:
        initialise(db, sandbox=False)
        for i in range(count):
            m = creditline.add_party(db, kind="merchant", name=f"api-bench-{i}").body["id"]
            creditline.verify_party(
                db, m, real_name=True, qualification=True, settlement_account="6222"
            )
            line = creditline.open_line(db, m, product="merchant_bnpl", limit=LIMIT).body["id"]
            creditline.activate_line(db, line)
            out.append((line, creditline.create_key(db, party=m).body["key"]))
    return out


# -- the in-process reference -------------------------------------------------------------------
def _in_process(url: str, lines: list[str], seconds: float, out: Any) -> None:
    import creditline
    from creditline.entrypoints.bootstrap import open_database

    with open_database(url) as db:
        done, deadline, i = 0, time.perf_counter() + seconds, 0
        while time.perf_counter() < deadline and done < MAX_REQUESTS:
            line = lines[i % len(lines)]
            creditline.authorize(
                db, line, amount="1.00", purpose="procurement", key=uuid.uuid4().hex
            )
            done += 1
            i += 1
        out.put(done)


def in_process(url: str, lines: list[str], procs: int, seconds: float) -> float:
    queue: Any = mp.get_context("spawn").Queue()
    chunks = [lines[i::procs] for i in range(procs)]
    ps = [
        mp.get_context("spawn").Process(target=_in_process, args=(url, c, seconds, queue))
        for c in chunks
    ]
    started = time.perf_counter()
    for p in ps:
        p.start()
    total = sum(queue.get() for _ in ps)
    for p in ps:
        p.join()
    # Each process counts only its measured window; start-up is outside it.
    del started
    return total / seconds


# -- the load process -------------------------------------------------------------------------
async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: str, key: str
) -> int:
    body = b'{"amount":100,"currency":"CNY","purpose":"procurement"}'
    head = (
        f"POST /v1/lines/{line}/authorizations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {key}\r\nIdempotency-Key: {uuid.uuid4().hex}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    status_line = await reader.readline()
    length = 0
    while True:
        header = await reader.readline()
        if header in {b"\r\n", b""}:
            break
        name, _, value = header.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def _load(
    port: int, pairs: list[tuple[str, str]], seconds: float, rate: float | None
) -> dict[str, Any]:
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in pairs]
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + seconds
    per_conn = None if rate is None else rate / len(pairs)

    async def client(index: int) -> None:
        nonlocal errors
        reader, writer = conns[index]
        line, key = pairs[index]
        n = 0
        while len(latencies) < MAX_REQUESTS:
            # Arrivals spread evenly over the connections (not all at once on each tick).
            offset = index / len(pairs)
            scheduled = time.perf_counter() if per_conn is None else start + (n + offset) / per_conn
            if scheduled >= deadline:
                return
            wait = scheduled - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            status = await _request(reader, writer, line, key)
            latencies.append(time.perf_counter() - scheduled)
            errors += status != 200
            n += 1

    await asyncio.gather(*(client(i) for i in range(len(pairs))))
    elapsed = time.perf_counter() - start
    for _, writer in conns:
        writer.close()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "ops": len(latencies) / elapsed,
        "count": len(latencies),
        "errors": errors,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
    }


def _load_process(port: int, pairs: Any, seconds: float, rate: Any, out: Any) -> None:
    out.put(asyncio.run(_load(port, pairs, seconds, rate)))


def load(port: int, pairs: list[tuple[str, str]], seconds: float, rate: float | None) -> Any:
    ctx = mp.get_context("spawn")
    queue: Any = ctx.Queue()
    p = ctx.Process(target=_load_process, args=(port, pairs, seconds, rate, queue))
    p.start()
    result = queue.get(timeout=seconds * 4 + 60)
    p.join()
    return result


# -- the server -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, workers: int, group_ms: float = 0) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    exe = Path(sys.executable).with_name("creditline")
    cmd = [str(exe), "serve", "--db", url, "--port", str(port), "--workers", str(workers)]
    cmd += ["--group-commit-ms", str(group_ms)]
    # A session of its own: with several workers, a kill reaches them all (``_kill``).
    proc = subprocess.Popen([*cmd, "--no-log"], stdout=subprocess.DEVNULL, start_new_session=True)
    wait_ready(proc, port)
    return proc, port


def wait_ready(proc: subprocess.Popen[bytes], port: int) -> None:
    """Until ``GET /readyz`` on ``port`` answers 200 (a minute at most, then kill ``proc``)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
                if b" 200 " in s.recv(200):
                    return
        except OSError:
            time.sleep(0.2)
    _kill(proc)
    raise RuntimeError("the server did not become ready")


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the server and, when it leads a session of its own, to its workers."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        _kill(proc)


def api_row(
    pg_url: str, clients: int, seconds: float, group_ms: float, workers: int = 1
) -> dict[str, Any]:
    """One row of ``make bench``: the API on PostgreSQL with ``clients`` connections (each on
    its own line), ``workers`` server processes, with or without group commit (each worker
    groups its own requests), closed-loop."""
    url, schema = fresh_schema(pg_url)
    try:
        pairs = setup(url, clients)
        proc, port = serve(url, workers, group_ms)
        try:
            load(port, pairs, 1.0, None)  # warm-up
            peak = load(port, pairs, seconds, None)
        finally:
            stop(proc)
    finally:
        drop_schema(pg_url, schema)
    name = "api" if not group_ms else f"api + group commit {group_ms:g} ms"
    if workers > 1:
        name += f" ({workers} workers)"
    return {
        "name": name,
        "backend": "postgresql",
        "clients": clients,
        "lines": "distinct",
        "ops_per_s": round(peak["ops"], 1),
        "p50_ms": round(peak["p50_ms"], 2),
        "p99_ms": round(peak["p99_ms"], 2),
        "errors": peak["errors"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--pg-url", default=os.environ.get("CREDITLINE_TEST_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url, schema = fresh_schema(args.pg_url)
    rows = []
    try:
        err.print(f"setting up {args.connections} lines with keys …")
        pairs = setup(url, args.connections)
        lines = [line for line, _ in pairs]
        for workers in [int(w) for w in args.workers.split(",")]:
            err.print(f"in-process, {workers} process(es) …")
            reference = in_process(url, lines, workers, args.seconds)
            err.print(f"api, {workers} worker(s): peak …")
            proc, port = serve(url, workers)
            try:
                load(port, pairs, 1.0, None)  # warm-up: connections, caches, JIT of paths
                peak = load(port, pairs, args.seconds, None)
                err.print(f"api, {workers} worker(s): half the peak rate …")
                half = load(port, pairs, args.seconds, peak["ops"] / 2)
            finally:
                stop(proc)
            rows.append(
                {
                    "workers": workers,
                    "in_process_ops": reference,
                    "api_ops": peak["ops"],
                    "ratio": peak["ops"] / reference,
                    "peak_p50_ms": peak["p50_ms"],
                    "peak_p99_ms": peak["p99_ms"],
                    "half_rate": peak["ops"] / 2,
                    "half_p50_ms": half["p50_ms"],
                    "half_p99_ms": half["p99_ms"],
                    "errors": peak["errors"] + half["errors"],
                }
            )
    finally:
        drop_schema(args.pg_url, schema)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title=f"API authorisations on PostgreSQL, {args.connections} connections")
    for col in (
        "workers",
        "in-process/s",
        "api/s",
        "api/in-process",
        "p50 ms",
        "p99 ms",
        "at half peak: rate/s",
        "p50 ms",
        "p99 ms",
        "errors",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            str(r["workers"]),
            f"{r['in_process_ops']:.0f}",
            f"{r['api_ops']:.0f}",
            f"{r['ratio']:.2f}",
            f"{r['peak_p50_ms']:.1f}",
            f"{r['peak_p99_ms']:.1f}",
            f"{r['half_rate']:.0f}",
            f"{r['half_p50_ms']:.1f}",
            f"{r['half_p99_ms']:.1f}",
            str(r["errors"]),
        )
    Console().print(table)


if __name__ == "__main__":
    main()
