"""What every request passes through, as plain ASGI (no per-request task switch): a
``Request-Id`` on every response, a cap of 1 MB on bodies, one structured JSON log line per
request (request id, route, status, duration; never a key or a secret), and the Prometheus
counters and histograms of ``/metrics``."""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 1024 * 1024
LOG = logging.getLogger("creditline.api")

REQUESTS = Counter(
    "creditline_http_requests_total",
    "HTTP requests by route, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "creditline_http_request_duration_seconds",
    "Time to answer, by route",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
AUTHORIZATIONS = Counter(
    "creditline_authorizations_total", "Authorisations (spends) by outcome", ["outcome"]
)


def _json_error(code: str, message: str) -> bytes:
    kind = "invalid_request_error"
    return json.dumps(
        {"error": {"type": kind, "code": code, "message": message, "param": None}}
    ).encode()


class JsonLog(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        data = getattr(record, "data", None)
        out = {"ts": round(record.created, 3), "level": record.levelname.lower()}
        out |= data if isinstance(data, dict) else {"message": record.getMessage()}
        return json.dumps(out, ensure_ascii=False)


def configure_logging(*, enabled: bool = True) -> None:
    """Request lines go to stderr as JSON (once per process)."""
    if LOG.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLog())
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO if enabled else logging.WARNING)
    LOG.propagate = False


class Observe:
    """Request id, body cap, request log and metrics around the app."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int = MAX_BODY,
        after_first: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        #: Run once, after the first request's answer has been sent.
        self.after_first = after_first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = f"req_{secrets.token_hex(12)}"
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if self._declared_too_large(scope):
                await self._refuse(send_with_id)
            else:
                await self.app(scope, self._capped(receive), send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, request_id)
            if self.after_first is not None:
                first, self.after_first = self.after_first, None
                first()

    def _declared_too_large(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value) > self.max_body
                except ValueError:
                    return True
        return False

    def _capped(self, receive: Receive) -> Receive:
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    # FastAPI passes an HTTPException raised while it reads the body through.
                    raise HTTPException(413, f"the body is over {self.max_body} bytes")
            return message

        return capped

    async def _refuse(self, send: Send) -> None:
        body = _json_error("body_too_large", f"the body is over {self.max_body} bytes")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float, request_id: str) -> None:
        route: Any = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        REQUESTS.labels(template, method, str(status)).inc()
        LATENCY.labels(template, method).observe(seconds)
        if LOG.isEnabledFor(logging.INFO):
            principal = scope.get("state", {}).get("principal", "")
            LOG.info(
                "request",
                extra={
                    "data": {
                        "request_id": request_id,
                        "method": method,
                        "route": template,
                        "path": scope.get("path", ""),
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                        "principal": principal,
                    }
                },
            )
