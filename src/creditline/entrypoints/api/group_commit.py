"""Group commit in the server (组提交, ``creditline serve --group-commit-ms 2``).

Concurrent single authorisations are coalesced, the way a database groups the fsyncs of
concurrent commits: the first request to arrive opens a group, the group waits at most
``window`` seconds (or until ``MAX_GROUP`` spends), then one thread runs all of its spends in
one transaction with one commit (``creditline.authorize_group``). Each caller is answered with
its own spend's answer, exactly what ``authorize`` would have answered, and only after the
commit is durable: a caller whose group failed to commit gets the error and nothing of its
spend is kept. While one group commits, the next one fills.

Opt-in: without ``--group-commit-ms`` every authorisation is its own transaction.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future

import creditline
from creditline import Answer, Database, SpendRequest

#: The most spends one group carries (a batch's limit).
MAX_GROUP = 1000


class GroupCommit:
    """The coalescing queue and its committing thread (one per server process)."""

    def __init__(self, db: Database, window_ms: float) -> None:
        if not 0 < window_ms <= 1000:
            raise creditline.InvalidInput("group_commit_ms", "group_commit_ms must be 0-1000 ms")
        self.db = db
        self.window = window_ms / 1000
        self._queue: queue.Queue[tuple[SpendRequest, Future[Answer]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.groups = 0  # how many commits served how many spends (for the bench)
        self.spends = 0

    def authorize(
        self,
        db: Database,
        line_id: str,
        *,
        amount: str,
        purpose: str,
        key: str | None,
        order: str | None = None,
        counterparty: str | None = None,
    ) -> Answer:
        """``creditline.authorize``, answered after the commit of the group it joined."""
        spend = creditline.spend_request(
            line_id, amount=amount, purpose=purpose, key=key, order=order, counterparty=counterparty
        )
        del db  # the group commits on the server's database
        answered: Future[Answer] = Future()
        self._start()
        self._queue.put((spend, answered))
        return answered.result()

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="creditline-group-commit", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            group = [self._queue.get()]
            deadline = time.monotonic() + self.window
            while len(group) < MAX_GROUP:
                left = deadline - time.monotonic()
                try:
                    group.append(
                        self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
                    )
                except queue.Empty:
                    break
            self._commit(group)

    def _commit(self, group: list[tuple[SpendRequest, Future[Answer]]]) -> None:
        try:
            outcomes = creditline.authorize_group(self.db, [spend for spend, _ in group])
        except BaseException as exc:  # noqa: BLE001 - every caller of the group is told
            for _, answered in group:
                answered.set_exception(exc)
            return
        self.groups += 1
        self.spends += len(group)
        for (_, answered), outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, Exception):
                answered.set_exception(outcome)
            else:
                answered.set_result(outcome)
