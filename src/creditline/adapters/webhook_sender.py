"""The webhook sender on httpx: one POST per delivery with short timeouts, no redirects
followed, the receiver's answer not read beyond its status. A network failure is an answer
(``SendResult.error``), never an exception; nothing here logs headers, bodies or secrets."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import httpx

from creditline.service.webhooks.webhook_ports import SendResult

#: Seconds to connect, and for the whole answer; a receiver should answer at once and work later.
CONNECT_TIMEOUT = 3.0
TIMEOUT = 10.0
USER_AGENT = "creditline-webhooks/1"
MAX_ERROR = 300


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class HttpSender:
    """The ``WebhookSender`` port on an httpx client (kept open between deliveries)."""

    def __init__(
        self,
        *,
        wall_clock: Callable[[], datetime] = _wall_clock,
        timeout: float = TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.wall_clock = wall_clock
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            transport=transport,
            trust_env=False,  # a proxy from the environment would see every delivery
        )

    def timestamp(self) -> int:
        return int(self.wall_clock().timestamp())

    def send(self, url: str, headers: dict[str, str], body: bytes) -> SendResult:
        started = time.perf_counter()
        try:
            with self.client.stream("POST", url, content=body, headers=headers) as response:
                status: int | None = response.status_code
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"
        else:
            error = "" if status is not None and 200 <= status < 300 else f"HTTP {status}"
        elapsed = int((time.perf_counter() - started) * 1000)
        return SendResult(status, error[:MAX_ERROR], elapsed)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
