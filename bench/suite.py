"""``make bench``: one command, one table. Every configuration measured in one run beside the
bare driver of the same run, written to ``bench/results/latest.json`` (one row per
configuration: ``name``, ``backend``, ``clients``, ``lines``, ``ops_per_s``, ``p50_ms``,
``p99_ms``, ``raw_ops_per_s``, ``ratio``) with a chart, ``bench/results/latest.png``.

Rows: the bare driver itself (ratio 1); the single authorisation; ``authorize_batch`` (200
spends per commit, p50/p99 are of one batch); for SQLite and PostgreSQL, 1, 8 and 32 client
processes, each on its own line or all on one hot line. ``why`` at 100, 1,000 and 10,000 open
orders is measured by ``bench/flat.py`` (its own table, also in ``latest.json`` under ``flat``).

    python bench/suite.py [--seconds 3] [--clients 1,8,32] [--backends sqlite,postgresql]
                          [--kinds ours,batch] [--flat-sizes 100,1000,10000]
                          [--api-clients 8,32] [--api-workers 1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
import api
import authorize
import flat

RESULTS = Path(__file__).parent / "results"
err = Console(stderr=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--kinds", default="ours,batch")
    parser.add_argument("--flat-sizes", default="100,1000,10000")
    parser.add_argument("--api-clients", default="8,32", help="API rows on PostgreSQL ('' none)")
    parser.add_argument(
        "--api-workers", default="1,2", help="server processes of the API rows (2: one per core)"
    )
    parser.add_argument(
        "--pg-url", default=os.environ.get("CREDITLINE_TEST_POSTGRES_URL", authorize.DEFAULT_PG)
    )
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    rows = driver_rows(args)
    if "postgresql" in args.backends and args.api_clients:
        rows += api_rows(args, rows)
    flat_rows = flat.run(args.flat_sizes, args.backends, 100, args.pg_url)
    out = save(args, rows, flat_rows)
    chart(rows, out / "latest.png")
    show(rows)
    flat.show(flat_rows)
    err.print(f"→ {out / 'latest.json'}, {out / 'latest.png'}")


def save(args: argparse.Namespace, rows: list[dict[str, Any]], flat_rows: list[Any]) -> Path:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps({"rows": rows, "flat": flat_rows}, indent=2) + "\n", encoding="utf-8"
    )
    return out


def driver_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The in-process rows, each beside the bare driver's row of the same configuration."""
    rows: list[dict[str, Any]] = []
    kinds = args.kinds.split(",")
    with tempfile.TemporaryDirectory(prefix="creditline-bench-") as tmp:
        for backend in args.backends.split(","):
            for clients in (int(c) for c in args.clients.split(",")):
                for layout in ("distinct", "hot") if clients > 1 else ("distinct",):
                    for kind in kinds:
                        err.print(f"[dim]{kind} · {backend} · {clients} · {layout}…[/dim]")
                        row = authorize.configuration(
                            backend, clients, layout, args.seconds, args.pg_url, Path(tmp), kind
                        )
                        if kind == kinds[0]:
                            rows.append(_raw_row(row))
                        rows.append(row)
                        save(args, rows, [])  # as it goes: a long run interrupted keeps its rows
    return rows


def api_rows(args: argparse.Namespace, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API on PostgreSQL, without and with group commit, beside the bare driver at the
    same concurrency (measured above in this run, else now)."""
    out = []
    for clients in (int(c) for c in args.api_clients.split(",")):
        err.print(f"[dim]api · postgresql · {clients} clients, plain and group commit…[/dim]")
        same = ("raw driver", "postgresql", clients, "distinct")
        found = [r for r in rows if (r["name"], r["backend"], r["clients"], r["lines"]) == same]
        if found:
            raw = found[0]["raw_ops_per_s"]
        else:
            with tempfile.TemporaryDirectory(prefix="creditline-bench-") as tmp:
                raw = authorize.configuration(
                    "postgresql", clients, "distinct", args.seconds, args.pg_url, Path(tmp)
                )["raw_ops_per_s"]
        for workers in (int(w) for w in args.api_workers.split(",")):
            for group_ms in (0.0, 2.0):
                row = api.api_row(args.pg_url, clients, args.seconds, group_ms, workers)
                row |= {"raw_ops_per_s": raw, "ratio": round(row["ops_per_s"] / raw, 3)}
                out.append(row)
    return out


def _raw_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "name": "raw driver",
        "ops_per_s": row["raw_ops_per_s"],
        "p50_ms": None,
        "p99_ms": None,
        "ratio": 1.0,
    }


def show(rows: list[dict[str, Any]]) -> None:
    table = Table(title="creditline beside the bare driver (one run)", title_justify="left")
    columns = ("name", "backend", "clients", "lines", "ops_per_s", "p50_ms", "p99_ms")
    for col in (*columns, "raw_ops_per_s", "ratio"):
        table.add_column(col, justify="left" if col in {"name", "backend", "lines"} else "right")
    for r in rows:
        cells = [
            "—" if r[c] is None else (f"{r[c]:,.0f}" if c.endswith("per_s") else str(r[c]))
            for c in (*columns, "raw_ops_per_s")
        ]
        table.add_row(*cells, f"{r['ratio']:.2f}")
    Console(width=200).print(table)


def _short(name: str) -> str:
    """A row's name as a chart's label: ``batch``, ``api+gc ×2`` and so on."""
    short = name.replace(f"authorize_batch ({authorize.BATCH} per commit)", "batch")
    short = re.sub(r" \+ group commit [0-9.]+ ms", "+gc", short)
    return re.sub(r" \((\d+) workers\)", r" ×\1", short)


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    ours = [r for r in rows if r["name"] != "raw driver"]
    labels = [
        f"{r['backend'][:2]} {r['clients']}c {r['lines'][:4]}\n{_short(r['name'])}" for r in ours
    ]
    fig, ax = plt.subplots(figsize=(max(8, len(ours) * 0.7), 4.5))
    ax.bar(range(len(ours)), [r["ratio"] for r in ours], color="#3b6ea8")
    ax.axhline(0.5, color="#c0392b", linestyle="--", linewidth=1, label="aim: 0.5 of the driver")
    ax.set_xticks(range(len(ours)), labels, fontsize=7)
    ax.set_ylabel("ops/s ÷ bare driver ops/s (same run)")
    ax.set_title("creditline authorisations beside the bare driver")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
