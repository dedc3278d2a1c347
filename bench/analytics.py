"""Batch analytics at 1x, 10x and 100x the simulator's default market, on DuckDB and on Apache
Spark (local mode on this machine): how the time of staging, loading and the nine jobs grows.

The market is ``creditline simulate`` at its defaults (40 merchants, 30 days, 10 rings) into a
sandbox SQLite file; 10x and 100x are that market staged 10 and 100 times over (``--scale``:
each copy's ids suffixed, so copies never join each other), which keeps the shape of the data
(its rings, bursts and cycles) while the row counts grow. Every scale checks that the two
engines' digests agree. Results: ``bench/results/analytics.json`` and ``analytics.png``.

    python bench/analytics.py [--scales 1,10,100] [--engines duckdb,spark] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import creditline
from creditline.entrypoints import bootstrap

RESULTS = Path(__file__).parent / "results"
CLI = str(Path(sys.executable).parent / "creditline")
err = Console(stderr=True)


def simulated_market(folder: Path) -> str:
    url = f"sqlite:///{folder / 'market.db'}"
    for args in (["init", "--sandbox"], ["simulate", "--json"]):
        subprocess.run([CLI, "--db", url, *args], check=True, capture_output=True)
    return url


def measure(url: str, engines: list[str], scales: list[int], master: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with bootstrap.open_database(url) as db, tempfile.TemporaryDirectory() as tmp:
        for name in engines:
            with bootstrap.analytics_engine(name, master=master) as engine:
                for scale in scales:
                    err.print(f"{name} at {scale}x …")
                    body = creditline.run_analytics(
                        db,
                        stage=bootstrap.analytics_stager(),
                        engine=engine,
                        folder=Path(tmp) / f"{name}-{scale}",
                        timer=bootstrap.perf_timer,
                        scale=scale,
                        listed=0,
                    ).body
                    rows.append(
                        {
                            "engine": name,
                            "scale": scale,
                            "staged_rows": sum(body["staged"].values()),
                            "stage_ms": body["ms"]["stage"],
                            "load_ms": body["ms"]["load"],
                            "jobs_ms": body["ms"]["jobs"],
                            "total_ms": sum(body["ms"].values()),
                            "per_job_ms": {j["name"]: j["ms"] for j in body["jobs"]},
                            "digests": {j["name"]: j["digest"] for j in body["jobs"]},
                            "counts": {j["name"]: j["count"] for j in body["jobs"]},
                        }
                    )
    return rows


def agree(rows: list[dict[str, Any]]) -> dict[int, bool]:
    by_scale: dict[int, list[dict[str, str]]] = {}
    for r in rows:
        by_scale.setdefault(r["scale"], []).append(r["digests"])
    return {s: all(d == ds[0] for d in ds) for s, ds in by_scale.items()}


def show(rows: list[dict[str, Any]], same: dict[int, bool]) -> None:
    table = Table(title="batch analytics: 9 jobs, time by scale (ms)")
    for col in ("engine", "scale", "staged rows", "stage", "load", "jobs", "total",
                "jobs ÷ 1x", "engines agree"):  # fmt: skip
        table.add_column(col, justify="right")
    base = {r["engine"]: r["jobs_ms"] for r in rows if r["scale"] == min(same)}
    for r in rows:
        growth = r["jobs_ms"] / max(base[r["engine"]], 1)
        table.add_row(
            r["engine"],
            f"{r['scale']}x",
            f"{r['staged_rows']:,}",
            f"{r['stage_ms']:,}",
            f"{r['load_ms']:,}",
            f"{r['jobs_ms']:,}",
            f"{r['total_ms']:,}",
            f"{growth:.1f}",
            "yes" if same[r["scale"]] else "NO",
        )
    Console(width=200).print(table)


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for engine, colour in (("duckdb", "#3b6ea8"), ("spark", "#e67e22")):
        mine = [r for r in rows if r["engine"] == engine]
        if not mine:
            continue
        xs = [r["staged_rows"] for r in mine]
        ax.plot(xs, [r["jobs_ms"] for r in mine], "o-", color=colour, label=f"{engine}: jobs")
        ax.plot(xs, [r["load_ms"] for r in mine], "s--", color=colour, alpha=0.6,
                label=f"{engine}: load")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("staged rows (1x, 10x, 100x the simulator's default market)")
    ax.set_ylabel("milliseconds")
    ax.set_title("creditline batch analytics: DuckDB vs Spark (local, 2 cores)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--db", help="a database to read instead of a fresh simulated market")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    engines = args.engines.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            url = args.db
        else:
            err.print("simulating the default market (40 merchants, 30 days, 10 rings) …")
            url = simulated_market(Path(tmp))
        rows = measure(url, engines, scales, args.master)
    same = agree(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "analytics.json").write_text(
        json.dumps({"rows": rows, "engines_agree": same}, indent=2) + "\n", encoding="utf-8"
    )
    chart(rows, out / "analytics.png")
    show(rows, same)
    err.print(f"→ {out / 'analytics.json'}, {out / 'analytics.png'}")
    if not all(same.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
