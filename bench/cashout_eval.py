"""Cash-out detection measured on evaluation seeds (issue 17): runs ``creditline simulate --json``
on each seed in a fresh sandbox (two at a time) and prints, per scheme and per honest
look-alike, the figures the README reports, seed by seed and pooled.

Evaluation seeds start at 1000; the shipped model was fitted on training seeds 1-6 and no rule
was tuned on seeds from 1000.

    python bench/cashout_eval.py [--seeds 1000-1004] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

CLI = str(Path(sys.executable).with_name("creditline"))


def run(seed: int, folder: Path) -> dict[str, Any]:
    url = f"sqlite:///{folder / f'eval-{seed}.db'}"
    subprocess.run([CLI, "--db", url, "init", "--sandbox"], check=True, capture_output=True)
    out = subprocess.run(
        [CLI, "--db", url, "simulate", "--seed", str(seed), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def pooled(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures over all seeds: recall and rates weighted by attempts, rings summed."""
    schemes: dict[str, Any] = {}
    for r in reports:
        for name, s in r["schemes"].items():
            p = schemes.setdefault(name, {"attempts": 0, "caught": 0, "inline": 0, "review": 0,
                                          "rings": 0, "found": 0})  # fmt: skip
            n = s["attempts"]
            p["attempts"] += n
            p["caught"] += round((s["recall"] or 0) * n)
            p["inline"] += round((s["inline"]["recall"] or 0) * n)
            p["review"] += round((s["inline"]["review_rate"] or 0) * n)
            p["rings"] += s["rings"]["rings"]
            p["found"] += s["rings"]["found"]
    honest: dict[str, Any] = {}
    for r in reports:
        for name, h in {"all": r["honest"], **r["honest"]["look_alikes"]}.items():
            p = honest.setdefault(name, {"attempts": 0, "declined": 0, "review": 0})
            p["attempts"] += h["attempts"]
            p["declined"] += h["declined"]
            p["review"] += round((h["review_rate"] or 0) * h["attempts"])
    false_rings = sum(r["rings"]["false_rings"] for r in reports)
    found_rings = sum(r["rings"]["found"] for r in reports)
    flagged_honest = sum(
        round((r["honest"]["false_decline_rate"] or 0) * r["honest"]["attempts"])
        + round((r["honest"]["review_rate"] or 0) * r["honest"]["attempts"])
        for r in reports
    )
    return {
        "schemes": {
            k: {
                "attempts": v["attempts"],
                "recall": ratio(v["caught"], v["attempts"]),
                "precision": ratio(v["caught"], v["caught"] + flagged_honest),
                "inline_recall": ratio(v["inline"], v["attempts"]),
                "review_rate": ratio(v["review"], v["attempts"]),
                "rings": f"{v['found']}/{v['rings']}",
                "ring_recall": ratio(v["found"], v["rings"]),
                "ring_precision": ratio(v["found"], v["found"] + false_rings),
            }
            for k, v in sorted(schemes.items())
        },
        "honest": {
            k: {
                "attempts": v["attempts"],
                "false_decline_rate": ratio(v["declined"], v["attempts"]),
                "review_rate": ratio(v["review"], v["attempts"]),
            }
            for k, v in honest.items()
        },
        "rings": {"found": found_rings, "false_rings": false_rings},
    }


def seeds_of(text: str) -> list[int]:
    if "-" in text:
        low, high = (int(x) for x in text.split("-", 1))
        return list(range(low, high + 1))
    return [int(x) for x in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1000-1004")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    seeds = seeds_of(args.seeds)
    if min(seeds) < 1000:
        parser.error("evaluation seeds start at 1000")
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda s: run(s, Path(folder)), seeds))
    out = {"seeds": seeds, "pooled": pooled(reports), "per_seed": reports}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    p = out["pooled"]
    print(f"evaluation seeds {seeds[0]}-{seeds[-1]}, pooled")
    print("| scheme | attempts | recall | precision | inline recall | review rate | rings found "
          "| ring recall | ring precision |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name, s in p["schemes"].items():
        print(f"| {name} | {s['attempts']} | {s['recall']} | {s['precision']} | "
              f"{s['inline_recall']} | {s['review_rate']} | {s['rings']} | {s['ring_recall']} "
              f"| {s['ring_precision']} |")  # fmt: skip
    print()
    print("| honest | attempts | false-decline rate | review rate |")
    print("|---|---|---|---|")
    for name, h in p["honest"].items():
        print(f"| {name} | {h['attempts']} | {h['false_decline_rate']} | {h['review_rate']} |")
    print()
    print(f"rings found {p['rings']['found']}, false rings {p['rings']['false_rings']}")


if __name__ == "__main__":
    main()
