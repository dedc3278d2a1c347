"""The HTTP API (FastAPI): ``create_app(db)`` for tests and embedding, ``app_from_env()`` for
uvicorn (``creditline serve``). Routes call the public use cases through ``calls.Caller`` and
hold no business rules of their own; one module per group of resources."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse

from creditline import Database
from creditline.entrypoints.api import error_responses, scrape_metrics
from creditline.entrypoints.api.calls import Api
from creditline.entrypoints.api.observe import Observe, configure_logging
from creditline.entrypoints.pages import mount as pages

#: Threads that run use cases, per worker: below the engine's pool (5 + 10 overflow).
API_THREADS = 12

DESCRIPTION = """creditline's API (额度): credit lines for marketplaces.

* **Auth**: `Authorization: Bearer KEY` (`creditline apikey create`). A holder's key sees only
  its own parties and lines; an operator's key acts within its role.
* **Amounts** are integers in minor units beside a `currency` (10000 CNY is ¥100.00).
* **Idempotency**: send `Idempotency-Key` on any POST; a replay gets the first response.
* **Errors**: `{"error": {"type", "code", "message", "param"}}`; a declined spend is a 402
  with its `reasons`.
* **Lists**: `limit` (1-100), `starting_after`, `has_more`.
"""


_FROZEN: set[str] = set()


def _freeze_once(stage: str = "start") -> None:
    """Everything made at start-up (modules, the app, its routes) lives as long as the server:
    moved out of the collector's reach, a full collection no longer walks it (one took a page's
    p99 from about 35 ms to 190 ms every few hundred requests). Once per process and stage: an
    app made later (tests make many) stays collectable.

    Two stages: when the server starts, and when its first request has been answered, because
    FastAPI builds the validators of every route on the first request (about 29,000 objects:
    left in the collector's reach, each full collection walked them, 6-12 ms every hundred
    quota pages, the whole of that page's p99 above its p50)."""
    if stage not in _FROZEN:
        _FROZEN.add(stage)
        gc.collect()
        gc.freeze()


def create_app(
    db: Database,
    *,
    log_requests: bool = True,
    on_close: Callable[[], None] | None = None,
    group_commit_ms: float = 0,
) -> FastAPI:
    """The API on ``db``; ``on_close`` runs when the server shuts down (after the requests in
    flight are answered: uvicorn's graceful shutdown); ``group_commit_ms`` > 0 coalesces
    concurrent authorisations into one commit, waiting at most that long (``group_commit``)."""
    from creditline.entrypoints.api import (
        routes_admin,
        routes_analytics,
        routes_appeals,
        routes_batch,
        routes_credit,
        routes_incidents,
        routes_installments,
        routes_limit_requests,
        routes_lines,
        routes_parties,
        routes_reviews,
        routes_risk,
        routes_settlement,
        routes_webhooks,
    )

    routers = (
        routes_lines,
        routes_batch,
        routes_webhooks,
        routes_parties,
        routes_settlement,
        routes_risk,
        routes_credit,
        routes_appeals,
        routes_limit_requests,
        routes_incidents,
        routes_installments,
        routes_reviews,
        routes_analytics,
        routes_admin,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Each thread that runs a use case keeps its own database connection; fewer threads
        # than the pool holds connections, so a burst waits for a thread, never for the pool.
        anyio.to_thread.current_default_thread_limiter().total_tokens = API_THREADS
        _freeze_once()
        yield
        if on_close is not None:
            on_close()

    configure_logging(enabled=log_requests)
    app = FastAPI(
        lifespan=lifespan,
        title="creditline",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.api = Api(db)
    if group_commit_ms:
        from creditline.entrypoints.api.group_commit import GroupCommit

        app.state.api.group = GroupCommit(db, group_commit_ms)
    error_responses.install(app)
    for module in routers:
        app.include_router(module.router)
    _system_routes(app, db)
    pages.install(app, db)  # the pages (issue 14): same app, not in /openapi.json
    app.add_middleware(Observe, after_first=lambda: _freeze_once("first request"))
    return app


def _system_routes(app: FastAPI, db: Database) -> None:
    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    def healthz() -> dict[str, Any]:
        return {"ok": True}

    @app.get("/readyz", tags=["operations"], summary="The database answers, schema up to date")
    def readyz() -> JSONResponse:
        from creditline.entrypoints.bootstrap import readiness

        found = readiness(db)
        return JSONResponse(found, status_code=200 if found["ready"] else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
    )
    def metrics_text() -> PlainTextResponse:
        text, content_type = scrape_metrics.exposition(db)
        return PlainTextResponse(text, media_type=content_type)


def app_from_env() -> FastAPI:
    """The app uvicorn runs (``creditline serve``): the database at ``$CREDITLINE_DB``."""
    from creditline.entrypoints.bootstrap import database_url, open_database

    url = database_url(os.environ.get("CREDITLINE_DB"))
    opened = open_database(url)
    db = opened.__enter__()
    return create_app(
        db,
        log_requests=os.environ.get("CREDITLINE_API_LOG", "1") != "0",
        on_close=lambda: _close(opened),
        group_commit_ms=float(os.environ.get("CREDITLINE_GROUP_COMMIT_MS", "0") or 0),
    )


def _close(opened: AbstractContextManager[Database]) -> None:
    opened.__exit__(None, None, None)
