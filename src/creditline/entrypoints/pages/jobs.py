"""Long jobs started from the operator desk (a backtest, a ring run, batch analytics): each runs
in a background thread of this process and reports its progress through a callback, which the
progress page (``/ops/jobs/{id}``, polled by htmx every second) reads.

The registry lives in the app's state, **per process**: with several workers a job is seen only
by the worker that started it (the progress page answers 404 elsewhere), and a restart forgets
every job (the job's own effects, rings and cases, are in the database). It is bounded: at most
``MAX_JOBS`` are kept, the oldest finished ones forgotten first, and at most ``MAX_RUNNING`` run
at once."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from creditline import Conflict, CreditlineError

MAX_JOBS = 50
MAX_RUNNING = 4
KINDS = ("backtest", "rings", "analytics", "analytics_spark")
#: What a job's work reports: steps done, steps in all, and the stage it is at.
Report = Callable[[int, int, str], None]
Work = Callable[[Report], dict[str, Any]]


@dataclass
class Job:
    id: str
    kind: str
    by: str
    started: float = field(default_factory=time.time)
    done: int = 0
    total: int = 0
    stage: str = ""
    status: str = "running"  # running, done, failed
    result: dict[str, Any] | None = None
    error: str | None = None
    finished: float | None = None

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        if self.total <= 0:
            return 0
        return max(0, min(99, self.done * 100 // self.total))

    def report(self, done: int, total: int, stage: str = "") -> None:
        self.done, self.total = done, total
        if stage:
            self.stage = stage


class Jobs:
    """The jobs of this process, newest last."""

    def __init__(self) -> None:
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.lock = threading.Lock()

    def start(self, kind: str, by: str, work: Work) -> Job:
        """Run ``work`` in a thread as a new job; ``Conflict`` when too many run already."""
        job = Job(id=f"job_{secrets.token_hex(8)}", kind=kind, by=by)
        with self.lock:
            running = [j for j in self.jobs.values() if j.status == "running"]
            if len(running) >= MAX_RUNNING:
                raise Conflict(f"{MAX_RUNNING} jobs are running already: wait for one to end")
            while len(self.jobs) >= MAX_JOBS:
                finished = next((k for k, j in self.jobs.items() if j.status != "running"), None)
                if finished is None:
                    break
                del self.jobs[finished]
            self.jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job, work), daemon=True, name=job.id)
        thread.start()
        return job

    @staticmethod
    def _run(job: Job, work: Work) -> None:
        try:
            job.result = work(job.report)
            job.status = "done"
        except CreditlineError as exc:
            job.error, job.status = exc.message, "failed"
        except Exception as exc:  # noqa: BLE001 - a job's failure is shown on its page
            job.error, job.status = f"{type(exc).__name__}: {exc}", "failed"
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def recent(self) -> list[Job]:
        with self.lock:
            return list(reversed(self.jobs.values()))


_MAKE = threading.Lock()


def registry(app: FastAPI) -> Jobs:
    """This app's job registry (made on first use)."""
    with _MAKE:
        found = getattr(app.state, "ops_jobs", None)
        if not isinstance(found, Jobs):
            found = Jobs()
            app.state.ops_jobs = found
        return found
