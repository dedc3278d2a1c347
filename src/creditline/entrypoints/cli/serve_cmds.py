"""``creditline serve``: the HTTP API on uvicorn (FastAPI), on the database ``--db`` names."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from types import FrameType
from typing import Annotated

import typer

from creditline.entrypoints.bootstrap import database_url
from creditline.entrypoints.cli.common import STATE, DbOpt

app = typer.Typer()


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="the address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="the TCP port", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", help="worker processes (SQLite: WAL lets several)", min=1)
    ] = 1,
    log: Annotated[
        bool, typer.Option("--log/--no-log", help="one JSON line per request on stderr")
    ] = True,
    group_commit_ms: Annotated[
        float,
        typer.Option(
            "--group-commit-ms",
            help="group commit: coalesce concurrent authorisations into one commit, waiting at"
            " most this many ms (0, the default: each its own commit)",
            min=0,
            max=1000,
        ),
    ] = 0,
    db: DbOpt = None,
) -> None:
    """Serve the HTTP API (/v1/..., /docs, /openapi.json, /metrics, /healthz, /readyz)."""
    import uvicorn

    os.environ["CREDITLINE_DB"] = database_url(db or STATE.db)
    os.environ["CREDITLINE_API_LOG"] = "1" if log else "0"
    os.environ["CREDITLINE_GROUP_COMMIT_MS"] = str(group_commit_ms)
    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker counts on its own; /metrics adds them up from this folder.
        metrics_dir = tempfile.mkdtemp(prefix="creditline-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    # uvicorn answers SIGTERM by finishing the requests in flight, closing the database, and
    # then raising the signal again under the handler it found: make that handler exit 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(
            "creditline.entrypoints.api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=10,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _exit_cleanly(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)
