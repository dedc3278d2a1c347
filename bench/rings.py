"""What the ring job (套现团伙识别) costs at 100x the simulator's default size.

The default ``simulate`` run (40 merchants, 40 shoppers, 10 rings, 30 days) moves about 1,900
orders and 1,500 spend attempts among ~180 parties. This generates ``--scale`` times that in
memory (honest merchants and shoppers with suppliers, returns, refunds and shared office Wi-Fi;
rings of every scheme), then times ``find_rings`` (the money-flow graph, cycles, bursts,
weighted identifiers, the rings) side by side with its reference: the bare ``networkx`` graph
of the same flows and identifiers, built and split into connected components. Aim: under 10
minutes at 100x.

    python bench/rings.py [--scale 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx
from rich.console import Console
from rich.table import Table

from creditline.domain.risk.rings import Flow, find_rings

T0 = datetime(2025, 3, 3, tzinfo=UTC)
DAYS = 30


def population(scale: int, seed: int = 5) -> tuple[list[tuple[str, str, str]], list[Flow]]:  # noqa: C901
    rng = random.Random(seed)
    ids: list[tuple[str, str, str]] = []
    flows: list[Flow] = []
    merchants = [f"m{i}" for i in range(40 * scale)]
    shoppers = [f"c{i}" for i in range(40 * scale)]
    n = 0

    def ref() -> str:
        nonlocal n
        n += 1
        return f"r{n}"

    for i, m in enumerate(merchants):
        ids += [(m, "device", f"d-{m}"), (m, "phone", f"p-{m}"), (m, "bank_account", f"b-{m}")]
        ids.append((m, "login_ip", f"office-{i // 30}"))  # offices of 30 share a Wi-Fi
        ids.append((m, "address", f"tower-{i // 30}"))
    for i, c in enumerate(shoppers):
        ids += [(c, "device", f"d-{c if i % 4 else shoppers[max(0, i - 1)]}"), (c, "phone", c)]
    for day in range(DAYS):
        at = T0 + timedelta(days=day, hours=10)
        for m in merchants:
            if rng.random() < 0.5:
                flows.append(
                    Flow("spend", m, f"sup{rng.randint(0, 10 * scale)}",
                         rng.randint(500_00, 30_000_00), at, ref(), "procurement", "captured")
                )  # fmt: skip
            flows.extend(
                Flow("order", m, rng.choice(shoppers), rng.randint(50_00, 2_000_00),
                     at + timedelta(hours=rng.random() * 8), ref())
                for _ in range(rng.randint(1, 2))
            )  # fmt: skip
        for c in shoppers:
            if rng.random() < 0.3:
                amount = rng.randint(100_00, 3_000_00)
                refunded = amount if rng.random() < 0.05 else 0
                flows.append(
                    Flow("spend", c, rng.choice(merchants), amount, at + timedelta(hours=4),
                         ref(), "purchase", "captured", refunded,
                         at + timedelta(days=2) if refunded else None)
                )  # fmt: skip
    for k in range(10 * scale):  # rings: round trips among members sharing a device
        members = [f"x{k}-{j}" for j in range(rng.randint(2, 6))]
        ids += [(p, "device", f"farm{k}") for p in members]
        for day in range(1, DAYS - 5, 2):
            a, b = rng.sample(members, 2)
            amount = rng.randint(10_000_00, 40_000_00)
            at = T0 + timedelta(days=day, hours=15)
            flows.append(Flow("spend", a, b, amount, at, ref(), "procurement", "captured"))
            flows.append(Flow("order", a, b, amount * 95 // 100, at + timedelta(days=3), ref()))
    return ids, flows


def reference(ids: list[tuple[str, str, str]], flows: list[Flow]) -> int:
    g = nx.Graph()
    g.add_edges_from((f.party, f.other) for f in flows if f.other is not None)
    g.add_edges_from((p, f"{k}:{v}") for p, k, v in ids)
    return nx.number_connected_components(g)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    t = time.perf_counter()
    ids, flows = population(args.scale)
    made = time.perf_counter() - t
    t = time.perf_counter()
    reference(ids, flows)
    bare = time.perf_counter() - t
    t = time.perf_counter()
    rings = find_rings(ids, flows, threshold=50_000_00, horizon=timedelta(days=45))
    job = time.perf_counter() - t
    out: dict[str, Any] = {
        "scale": args.scale,
        "flows": len(flows),
        "identifiers": len(ids),
        "generated_s": round(made, 1),
        "reference_graph_s": round(bare, 2),
        "ring_job_s": round(job, 2),
        "ratio_job_to_reference": round(job / bare, 1) if bare else None,
        "rings_found": len(rings),
        "true_rings": 10 * args.scale,
        "aim_s": 600,
    }
    if args.json:
        print(json.dumps(out))
        return
    table = Table(title=f"ring job at {args.scale}x the simulator's default size")
    for col in ("flows", "identifiers", "bare graph (s)", "ring job (s)", "ratio", "rings"):
        table.add_column(col)
    table.add_row(
        str(out["flows"]), str(out["identifiers"]), str(out["reference_graph_s"]),
        str(out["ring_job_s"]), f"{out['ratio_job_to_reference']}x",
        f"{out['rings_found']} / {out['true_rings']} true",
    )  # fmt: skip
    Console().print(table)


if __name__ == "__main__":
    main()
