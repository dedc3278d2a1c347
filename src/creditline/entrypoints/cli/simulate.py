"""A marketplace simulator (市场模拟) with an adversary that does not repeat itself: honest
merchants and shoppers with their look-alikes of fraud (``sim_honest``), cash-out rings whose
parameters are drawn on every seed (``sim_schemes``), driven through the real use cases on a
sandbox clock. Each evening an operator works the review queue (deciding by the truth, which
labels the event for the next training) and the ring job runs, so a ring counts as caught on
the day it is found. The day-by-day figures (``daily``) are read back from the ledger by the
embedded analytics engine (DuckDB: ``analytics run --job daily_metrics``).

Seeds below ``EVAL_SEEDS`` train (``risk model train`` draws from them); the figures in the
README are measured on evaluation seeds (``EVAL_SEEDS`` and up), which nothing was tuned on.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import creditline
from creditline import Answer, Database, Principal, scheme_report
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.access_cmds import operator_or_demo
from creditline.entrypoints.cli.sim_honest import build
from creditline.entrypoints.cli.sim_schemes import SCHEMES, plant
from creditline.entrypoints.cli.sim_world import EVAL_SEEDS, START, World

Progress = Callable[[int, int], None]


def simulate(
    db: Database,
    *,
    merchants: int,
    days: int,
    seed: int,
    fraud_rings: int,
    operator: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the simulation into ``db`` (a sandbox) and measure what was caught."""
    rng = random.Random(seed)
    w = World(db, rng, seed, days)
    creditline.set_clock(db, (START + timedelta(hours=7)).isoformat())
    officer = operator_or_demo(db, operator, "risk.rules", "risk-li")
    honest = build(w, merchants)
    schemes = list(SCHEMES)
    rng.shuffle(schemes)
    for k in range(fraud_rings):
        members = plant(w, k, schemes[k % len(schemes)], honest.suppliers)
        # a ring's shops keep an ordinary business too: stock, sales (their cover)
        honest.merchants += [m for m in members if m.kind == "merchant" and rng.random() < 0.7]
    sightings: list[tuple[Any, list[str]]] = []
    final: list[list[str]] = []
    for day in range(days):
        evening = START + timedelta(days=day, hours=22)
        w.at(evening, _review, w, officer)
        w.at(evening + timedelta(hours=1), _ring_job, w, officer, sightings, final)
    w.run(progress)
    creditline.store_labels(db, w.labels, source=f"simulator:{seed}")
    report = scheme_report(w.attempts, w.rings, sightings, final)
    # the market's own figures, read from the ledger by the embedded analytics engine
    daily = bootstrap.analytics_run(db, jobs=["daily_metrics"], listed=None).body["jobs"][0]
    stats = {
        "merchants": merchants,
        "shoppers": len(honest.shoppers),
        "rings": fraud_rings,
        "ring_members": sum(len(m) for _, m in w.rings.values()),
        "orders": w.orders,
        "fraud_attempts": sum(1 for a in w.attempts if a.scheme is not None),
        "honest_attempts": sum(1 for a in w.attempts if a.scheme is None),
    }
    return {
        "seed": seed,
        "evaluation_seed": seed >= EVAL_SEEDS,
        "days": days,
        "stats": stats,
        **report,
        "labels": len(w.labels),
        "daily": [dict(zip(daily["columns"], row, strict=True)) for row in daily["rows"]],
    }


def _review(w: World, officer: Principal) -> None:
    """The evening's review queue, decided by the truth (an operator who investigated)."""

    def work(d: Database) -> Answer:
        pending = creditline.queue(d, limit=1000).body["pending"]
        for item in pending:
            fraud = w.truth.get(item["subject"]) is not None
            creditline.decide(
                d,
                item["id"],
                verdict="decline" if fraud else "approve",
                by=officer.name,
                note="simulated investigation",
            )
        return Answer({"decided": len(pending)})

    creditline.act(w.db, officer, "risk.decide", work, target="queue")


def _ring_job(
    w: World,
    officer: Principal,
    sightings: list[tuple[Any, list[str]]],
    final: list[list[str]],
) -> None:
    """The evening's ring job; ``final`` keeps the last run's rings."""

    def find(d: Database) -> Answer:
        return creditline.rings(d)

    found = creditline.act(w.db, officer, "risk.analyse", find, target="all").body["rings"]
    members = [r["members"] for r in found]
    sightings.extend((w.now, m) for m in members)
    final[:] = members
