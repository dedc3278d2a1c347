"""Running the batch jobs (批量分析): stage the ledger once, load it into an engine, run each job,
and answer its rows with a digest that is the same on every engine for the same data."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.flows import (
    BURST_HOLDERS,
    BURST_SHARE,
    BURST_WINDOW,
    CYCLE_MIN,
    CYCLE_SHARE,
    QUICK_REFUND,
    most_tying,
)
from creditline.domain.workdays import iso_local
from creditline.service.analytics.analytics_jobs import chosen
from creditline.service.analytics.analytics_ports import AnalyticsEngine, Progress, Stager, Timer
from creditline.service.idempotency import Answer
from creditline.service.uow import Database

MAX_SCALE = 1000
#: The rows of each job an answer lists unless asked for more (``count`` and ``digest`` cover all).
LISTED = 20
#: The activity window of the review screen (days before now).
WINDOW_DAYS = 90


def _value(v: Any) -> Any:
    if isinstance(v, Decimal) and v == v.to_integral_value():
        return int(v)
    return v


def _ms(ns: int) -> int:
    """Nanoseconds as whole milliseconds, rounded half up."""
    return (ns + 500_000) // 1_000_000


def digest(rows: list[list[Any]]) -> str:
    """SHA-256 of the rows, sorted: equal results give equal digests whatever the engine."""
    text = json.dumps(sorted(rows, key=json.dumps), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


#: The most sharers of one identifier the pairs job expands, whatever its kind: a strong kind's
#: weight falls below ``WEAK_LINK`` only past about 10**11 sharers, and a placeholder device id
#: shared by 50,000 parties would make over a billion pairs. Wider ones are listed by
#: ``shared_identifiers`` (with their count), not expanded.
MOST_SHARERS = 2_000


def most_sharers(kind: str) -> int:
    """The most parties that may share an identifier of ``kind`` for it still to tie them (the
    ring job's own cut, ``most_tying``), and never more than ``MOST_SHARERS``."""
    return most_tying(kind, MOST_SHARERS)


def job_parameters(db: Database) -> dict[str, Any]:
    """The jobs' parameters from the policy in force now (the sandbox clock's now)."""
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        policy = uow.reference.policy(now)
        horizon = timedelta(days=policy.integer("ring_horizon_days"))
    now_s = int(now.timestamp())
    return {
        "at": now,
        "params": {
            "now": now_s,
            "window_start": now_s - WINDOW_DAYS * 86_400,
            "horizon": int(horizon.total_seconds()),
            "cycle_min": CYCLE_MIN,
            "cycle_share": round(CYCLE_SHARE * 100),
            "quick_refund": int(QUICK_REFUND.total_seconds()),
            "burst_holders": BURST_HOLDERS,
            "burst_share": round(BURST_SHARE * 100),
            "burst_window": int(BURST_WINDOW.total_seconds()),
            "most_address": most_sharers("address"),
            "most_login_ip": most_sharers("login_ip"),
            "most_strong": most_sharers("device"),
        },
    }


def run_analytics(
    db: Database,
    *,
    stage: Stager,
    engine: AnalyticsEngine,
    folder: Path,
    timer: Timer,
    jobs: list[str] | None = None,
    scale: int = 1,
    listed: int | None = LISTED,
    progress: Progress | None = None,
    parameters: dict[str, Any] | None = None,
) -> Answer:
    """Stage the ledger (``scale`` copies of it), load it into ``engine`` and run ``jobs`` (all
    of them by default); reads only. Each job answers ``count`` rows, the first ``listed`` of
    them (all with ``None``), and a ``digest`` of all of them. ``parameters``: the jobs'
    parameters (``job_parameters``) of another run, so that two engines compared see the same
    clock; read now by default."""
    picked = chosen(jobs)
    if not 1 <= scale <= MAX_SCALE:
        raise InvalidInput("scale", f"scale must be from 1 to {MAX_SCALE}")
    if listed is not None and listed < 0:
        raise InvalidInput("limit", "limit must be 0 or more")
    setting = parameters if parameters is not None else job_parameters(db)
    params = setting["params"]
    steps = len(picked) + 2
    if progress is not None:
        progress("stage", 0, steps)
    start = timer()
    staged = stage(db, folder, scale)
    staged_at = timer()
    if progress is not None:
        progress("load", 1, steps)
    engine.load({name: path for name, (path, _) in staged.items()})
    loaded_at = timer()
    answers: list[dict[str, Any]] = []
    total_ns = 0
    for i, job in enumerate(picked, 2):
        if progress is not None:
            progress(job.name, i, steps)
        began = timer()
        rows = [[_value(v) for v in row] for row in engine.query(job.sql(params))]
        took = timer() - began
        total_ns += took
        answers.append(
            {
                "name": job.name,
                "feeds": job.feeds,
                "zh": job.zh,
                "en": job.en,
                "columns": list(job.columns),
                "money": list(job.money),
                "count": len(rows),
                "digest": digest(rows),
                "ms": _ms(took),
                "rows": rows if listed is None else rows[:listed],
            }
        )
    if progress is not None:
        progress("done", steps, steps)
    return Answer(
        {
            "engine": engine.name,
            "scale": scale,
            "at": iso_local(setting["at"]),
            "params": params,
            "staged": {name: n for name, (_, n) in staged.items()},
            "ms": {
                "stage": _ms(staged_at - start),
                "load": _ms(loaded_at - staged_at),
                "jobs": _ms(total_ns),
            },
            "jobs": answers,
        }
    )


def compare_analytics(first: Answer, second: Answer) -> Answer:
    """Two engines' runs of the same jobs side by side: each job's row count and digest, and
    whether they agree (``same``)."""
    a, b = first.body, second.body
    theirs = {j["name"]: j for j in b["jobs"]}
    jobs = []
    for mine in a["jobs"]:
        other = theirs.get(mine["name"])
        jobs.append(
            {
                "name": mine["name"],
                "rows": {a["engine"]: mine["count"], b["engine"]: other and other["count"]},
                "ms": {a["engine"]: mine["ms"], b["engine"]: other and other["ms"]},
                "digest": mine["digest"],
                "same": other is not None and other["digest"] == mine["digest"],
            }
        )
    return Answer(
        {
            "engines": [a["engine"], b["engine"]],
            "scale": a["scale"],
            "same": all(j["same"] for j in jobs) and len(a["jobs"]) == len(b["jobs"]),
            "ms": {a["engine"]: a["ms"], b["engine"]: b["ms"]},
            "jobs": jobs,
        }
    )
