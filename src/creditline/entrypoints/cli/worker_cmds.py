"""``creditline worker``: the background work, pass after pass: the due jobs, the alerts, the
HTTP idempotency keys past their time, and the webhook deliveries. SIGTERM or Ctrl-C lets the
pass under way finish and exits 0; ``--once`` runs one pass."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline import Conflict, CreditlineError, NotInitialised, StorageError
from creditline.entrypoints import bootstrap
from creditline.entrypoints.api.shape import to_api
from creditline.entrypoints.cli.common import STATE, DbOpt, JsonOpt
from creditline.entrypoints.cli.output import console, err_console, fail

if TYPE_CHECKING:
    from creditline import Answer, Database

app = typer.Typer()

#: Errors a long-running worker outlives: the next pass tries again.
PASSING = (StorageError, Conflict)


def _summary(body: dict[str, Any]) -> dict[str, Any]:
    """An answer with its lists counted: a pass prints one line, whatever it did."""
    return {k: len(v) if isinstance(v, list) else v for k, v in body.items()}


def one_pass(
    database: Database, deliver: Callable[[Database], Answer], number: int
) -> dict[str, Any]:
    """One round of every job, in the order the jobs feed each other: the due jobs first
    (they emit events, and the lines' alerts come last among them), then the idempotency keys
    past their time, then delivery of what was emitted."""
    started = time.perf_counter()
    # run_due refreshes the lines' alerts as its last job (``due["alerts"]``): not twice here.
    due = creditline.run_due(database).body
    # The lines whose periodic limit review (额度复审) is due by the policy's schedule; after
    # the due jobs (they move what a review reads), before delivery (its events go out now).
    reviews = creditline.review_due(database).body
    forgotten = creditline.forget_responses(database)
    webhooks = deliver(database).body
    return {
        "pass": number,
        "at": creditline.iso_local(bootstrap.system_clock()),
        "due": _summary(due),
        "reviews": {k: reviews[k] for k in ("reviewed", "raised", "lowered", "unchanged")},
        "forgotten_responses": forgotten,
        "webhooks": _summary(webhooks),
        "duration_ms": int((time.perf_counter() - started) * 1000),
    }


def _line(report: dict[str, Any]) -> str:
    due = sum(v for v in report["due"].values() if isinstance(v, int))
    hooks = report["webhooks"]
    return (
        f"[dim]{report['at']}[/dim] pass {report['pass']}: due jobs {due} · "
        f"webhooks queued {hooks['queued']}, sent {hooks['sent']} "
        f"([green]ok {hooks['succeeded']}[/green], [yellow]retry {hooks['failed']}[/yellow], "
        f"[red]gave up {hooks['gave_up']}[/red]), endpoints disabled {hooks['disabled']} · "
        f"{report['duration_ms']} ms"
    )


def _print(report: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        console().print(_line(report), soft_wrap=True)


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by the first SIGTERM or SIGINT (the pass under way finishes); a second
    one stops at once."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 - signal's API
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    wanted = (signal.SIGTERM, signal.SIGINT)
    previous = {s: signal.signal(s, handle) for s in wanted}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _wait(stop: threading.Event, seconds: float, *, as_json: bool) -> None:
    if as_json:
        stop.wait(seconds)
        return
    with console().status(f"next pass in {seconds:g} s (Ctrl-C stops after a pass)"):
        stop.wait(seconds)


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run one pass and exit.")] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            metavar="SECONDS",
            min=0.1,
            max=3600,
            help="Seconds between the start of one pass and the next.",
        ),
    ] = 5.0,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run the background work pass after pass: due jobs, alerts, webhook delivery (one line
    per pass; SIGTERM or Ctrl-C finishes the pass and exits)."""
    as_json = json_out or STATE.json
    url = db or STATE.db
    number = 0
    try:
        with (
            bootstrap.open_database(url) as database,
            bootstrap.webhook_sender() as sender,
            _stop_on_signals() as stop,
        ):

            def deliver(d: Database) -> Answer:
                # Receivers get the API's shape: minor units, object types.
                return creditline.deliver_webhooks(d, sender, render=to_api)

            while True:
                number += 1
                began = time.monotonic()
                try:
                    _print(one_pass(database, deliver, number), as_json=as_json)
                except PASSING as exc:
                    if once:
                        raise
                    err_console().print(f"[red]pass {number} failed[/red] ({exc.code}): {exc}")
                if once or stop.is_set():
                    return
                _wait(stop, max(interval - (time.monotonic() - began), 0), as_json=as_json)
                if stop.is_set():
                    return
    except NotInitialised as exc:
        message = f"database {bootstrap.database_url(url)} is not initialised: {exc.message}"
        fail(NotInitialised(message), as_json=as_json)
    except CreditlineError as exc:
        fail(exc, as_json=as_json)
