"""Webhooks (R21) against a real receiver on 127.0.0.1 that verifies every delivery with the
``standardwebhooks`` package, never with creditline's own code: signatures and tampering, each
line's events in order behind a failing one, retries on the backoff schedule, an endpoint
that fails for three days disabled with an event, attempts and redelivery, subscriptions, the
secret shown once, and the ``worker`` command. Time moves on the sandbox clock; nothing sleeps."""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

import creditline
from creditline import InvalidInput, NotFound
from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.webhook_sender import HttpSender
from creditline.domain.webhooks.backoff import RETRY_DELAYS
from creditline.domain.webhooks.signatures import sign
from creditline.service.webhooks.webhook_ports import SendResult
from tests.fakes import START, FakeDatabase
from tests.helpers import CLI, active_line, cli, make_db

HOOKS = "/hooks"
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    message: dict[str, Any]


class Receiver:
    """An HTTP server on an ephemeral port: it verifies each delivery with the secret of the
    endpoint at its path, and answers 500 for the message ids in ``failing`` and every path in
    ``down``, 2xx otherwise."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.failing: set[str] = set()
        self.down: set[str] = set()
        self.delivered: list[Received] = []  # verified and accepted
        self.refused: list[Received] = []  # verified, answered 500 on purpose
        self.unverified: list[str] = []  # a signature that did not verify: never expected
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.send_response(receiver.receive(self.path, headers, body))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet."""

        return Handler

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        try:
            message = Webhook(self.secrets[path]).verify(body, headers)
        except (KeyError, WebhookVerificationError) as exc:
            with self.lock:
                self.unverified.append(f"{path}: {exc!r}")
            return 400
        got = Received(path, headers, body, message)
        refuse = path in self.down or headers["webhook-id"] in self.failing
        with self.lock:
            (self.refused if refuse else self.delivered).append(got)
        return 500 if refuse else 204

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def subscribe(self, db: Any, path: str = HOOKS, events: tuple[str, ...] = ("*",)) -> str:
        made = creditline.add_endpoint(db, self.url(path), list(events)).body
        self.secrets[path] = made["secret"]
        return str(made["id"])

    def ids(self, path: str = HOOKS) -> list[str]:
        return [r.message["id"] for r in self.delivered if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()
    assert r.unverified == []  # every delivery creditline sent verified


@pytest.fixture(scope="module")
def sender() -> Iterator[HttpSender]:
    with HttpSender(timeout=5, connect_timeout=2) as s:
        yield s


def emit(db: Any, event_type: str = "freeze.added", line: str | None = None, **payload: Any) -> int:
    """An event in the outbox, as a use case writes it."""
    with db.transaction() as uow:
        return uow.events.emit(event_type, payload, uow.reference.now(), line_id=line)


def evt(event_id: int) -> str:
    return f"evt_{event_id}"


def deliver(db: Any, sender: Any) -> dict[str, Any]:
    return creditline.deliver_webhooks(db, sender).body


def advance(db: Any, delta: timedelta) -> None:
    creditline.advance_clock(db, f"{int(delta.total_seconds())}s")


def outcome(done: dict[str, Any]) -> tuple[int, int, int, int]:
    return done["sent"], done["succeeded"], done["failed"], done["gave_up"]


# -- signatures --------------------------------------------------------------------------------
def test_a_delivery_verifies_with_standardwebhooks_and_a_tampered_one_does_not(
    db: SqlDatabase, receiver: Receiver, sender: HttpSender
) -> None:
    _, line = active_line(db)
    endpoint = receiver.subscribe(db, events=("freeze.added",))
    frozen = creditline.add_freeze(db, line, reason="dispute", amount="50.00", key="f1").body
    [event] = creditline.list_events(db, event_type="freeze.added").body["data"]

    assert outcome(deliver(db, sender)) == (1, 1, 0, 0)
    [got] = receiver.delivered
    assert got.message == {
        "id": evt(event["id"]),
        "object": "event",
        "type": "freeze.added",
        "created_at": event["created_at"],
        "line": line,
        "data": {"object": frozen},
    }
    assert got.headers["webhook-id"] == evt(event["id"])
    assert got.headers["content-type"] == "application/json"
    secret = receiver.secrets[HOOKS]
    assert secret not in got.body.decode()
    assert secret not in json.dumps(got.headers)

    # Tampered with, it no longer verifies: the body, the id, the timestamp or the secret.
    hook = Webhook(secret)
    forged_body = got.body.replace(b"50.00", b"5000.00")
    for body, headers, key in [
        (forged_body, got.headers, hook),
        (got.body, {**got.headers, "webhook-id": "evt_999999"}, hook),
        (
            got.body,
            {**got.headers, "webhook-timestamp": str(int(got.headers["webhook-timestamp"]) + 1)},
            hook,
        ),
        (
            got.body,
            got.headers,
            Webhook(creditline.add_endpoint(db, receiver.url("/x"), ["*"]).body["secret"]),
        ),
    ]:
        with pytest.raises(WebhookVerificationError):
            key.verify(body, headers)
    # ... and a receiver refuses it when it arrives.
    signed = {k: v for k, v in got.headers.items() if k.startswith("webhook-")}
    sent = sender.send(receiver.url(HOOKS), signed, forged_body)
    assert sent.status_code == 400
    assert len(receiver.unverified) == 1
    receiver.unverified.clear()
    attempts = creditline.list_attempts(db, endpoint).body["data"]
    assert [(a["event"], a["status_code"], a["succeeded"]) for a in attempts] == [
        (event["id"], 204, True)
    ]


def test_the_signature_is_the_one_of_the_specifications_example() -> None:
    secret, message = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek"
    body, at = b'{"test": 2432232314}', 1614265330
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign(secret, message, at, body) == expected
    library = Webhook(secret).sign(message, datetime.fromtimestamp(at, tz=UTC), body.decode())
    assert library == expected


# -- order and retries ------------------------------------------------------------------------
def test_a_failing_event_holds_back_the_later_events_of_its_line_and_of_no_other(
    db: SqlDatabase, receiver: Receiver, sender: HttpSender
) -> None:
    receiver.subscribe(db)
    a1 = emit(db, line="line_a", n=1)
    b1 = emit(db, line="line_b", n=1)
    a2 = emit(db, line="line_a", n=2)
    free = emit(db, "order.paid", n=0)  # no line: not ordered
    b2 = emit(db, line="line_b", n=2)
    receiver.failing = {evt(a1)}

    first = deliver(db, sender)
    assert (first["events"], first["queued"]) == (5, 5)
    assert outcome(first) == (4, 3, 1, 0)  # a1 failed; a2 waits; line b and the rest go
    assert receiver.ids() == [evt(b1), evt(free), evt(b2)]
    assert outcome(deliver(db, sender)) == (0, 0, 0, 0)  # a1 is not due for 5 s yet
    backlog = creditline.webhook_backlog(db).body
    assert (backlog["pending"], backlog["failed"], backlog["endpoints"]) == (
        2,
        0,
        {"enabled": 1, "disabled": 0},
    )
    advance(db, timedelta(minutes=1))
    assert creditline.webhook_backlog(db).body["lag_seconds"] == 60

    receiver.failing.clear()  # the receiver recovers; a1, then a2 behind it, arrive in order
    assert outcome(deliver(db, sender)) == (2, 2, 0, 0)
    assert receiver.ids() == [evt(b1), evt(free), evt(b2), evt(a1), evt(a2)]
    assert [r.message["line"] for r in receiver.delivered[-2:]] == ["line_a", "line_a"]
    assert creditline.webhook_backlog(db).body["pending"] == 0


def test_retries_follow_the_backoff_schedule_then_the_delivery_fails_and_its_line_goes_on(
    db: SqlDatabase, receiver: Receiver, sender: HttpSender
) -> None:
    endpoint = receiver.subscribe(db)
    first = emit(db, line="line_a", n=1)
    second = emit(db, line="line_a", n=2)
    receiver.failing = {evt(first)}
    for n, delay in enumerate(RETRY_DELAYS):
        if delay:
            advance(db, delay - SECOND)
            assert outcome(deliver(db, sender)) == (0, 0, 0, 0), f"attempt {n + 1} came early"
            advance(db, SECOND)
        last = n == len(RETRY_DELAYS) - 1
        # The last attempt gives up; the line's next event then goes in the same pass.
        assert outcome(deliver(db, sender)) == ((2, 1, 0, 1) if last else (1, 0, 1, 0))

    attempts = creditline.list_attempts(db, endpoint, limit=100).body["data"][::-1]
    failed = [a for a in attempts if a["event"] == first]
    times = [datetime.fromisoformat(a["at"]) for a in failed]
    assert [b - a for a, b in itertools.pairwise(times)] == list(RETRY_DELAYS[1:])
    assert timedelta(days=2, hours=23) < times[-1] - times[0] < timedelta(days=3)
    assert {(a["status_code"], a["succeeded"], a["error"]) for a in failed} == {
        (500, False, "HTTP 500")
    }
    # Eleven tries of one message: the same id and the same bytes each time.
    assert len(receiver.refused) == len(RETRY_DELAYS)
    assert len({(r.headers["webhook-id"], r.body) for r in receiver.refused}) == 1
    assert receiver.ids() == [evt(second)]
    backlog = creditline.webhook_backlog(db).body
    assert (backlog["pending"], backlog["failed"], backlog["lag_seconds"]) == (0, 1, None)
    shown = creditline.show_endpoint(db, endpoint).body
    assert (shown["status"], shown["failing_since"]) == ("enabled", None)  # the success cleared it


def test_an_endpoint_failing_for_three_days_is_disabled_and_an_event_says_so(
    db: SqlDatabase, receiver: Receiver, sender: HttpSender
) -> None:
    receiver.subscribe(db, "/watch", ("webhook_endpoint.disabled",))
    down = receiver.subscribe(db, "/down", ("freeze.added",))
    receiver.down.add("/down")
    emit(db, line="line_a")
    assert outcome(deliver(db, sender)) == (1, 0, 1, 0)
    began = creditline.show_endpoint(db, down).body["failing_since"]
    assert began == "2024-05-01T10:00:00+08:00"

    advance(db, timedelta(days=3) - timedelta(minutes=1))
    assert deliver(db, sender)["disabled"] == []  # still failing, not yet for three days
    advance(db, timedelta(minutes=1))
    assert deliver(db, sender)["disabled"] == [down]
    shown = creditline.show_endpoint(db, down).body
    assert (shown["status"], shown["disabled_at"], shown["failing_since"]) == (
        "disabled",
        "2024-05-04T10:00:00+08:00",
        began,
    )
    [event] = creditline.list_events(db, event_type="webhook_endpoint.disabled").body["data"]
    assert event["payload"] == shown
    assert "secret" not in event["payload"]

    # The next pass tells the endpoint that watches for it; the disabled one is left alone.
    tried = len(creditline.list_attempts(db, down, limit=100).body["data"])
    emit(db, line="line_b")
    advance(db, timedelta(hours=1))
    assert outcome(deliver(db, sender)) == (1, 1, 0, 0)
    [told] = [r for r in receiver.delivered if r.path == "/watch"]
    assert told.message["type"] == "webhook_endpoint.disabled"
    assert told.message["data"]["object"]["id"] == down
    assert receiver.secrets["/down"] not in told.body.decode()
    assert len(creditline.list_attempts(db, down, limit=100).body["data"]) == tried
    assert creditline.webhook_backlog(db).body["endpoints"] == {"enabled": 1, "disabled": 1}

    # Enabled again, it forgets how long it failed and takes up its pending delivery.
    again = creditline.update_endpoint(db, down, status="enabled").body
    assert (again["status"], again["failing_since"], again["disabled_at"]) == (
        "enabled",
        None,
        None,
    )
    receiver.down.clear()
    assert outcome(deliver(db, sender)) == (1, 1, 0, 0)
    assert len(receiver.ids("/down")) == 1


def test_two_workers_at_once_send_each_event_once_and_each_line_in_order(
    db: SqlDatabase, receiver: Receiver, sender: HttpSender
) -> None:
    receiver.subscribe(db)
    sent = [emit(db, line=f"line_{i % 3}", n=i) for i in range(12)]
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while (done := deliver(db, sender))["sent"]:
                results.append(done)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert errors == []
    assert sorted(receiver.ids()) == sorted(evt(e) for e in sent)  # each once
    for line in range(3):
        of_line = [
            r.message["id"] for r in receiver.delivered if r.message["line"] == f"line_{line}"
        ]
        assert of_line == [evt(e) for i, e in enumerate(sent) if i % 3 == line]
    assert sum(r["succeeded"] for r in results) == len(sent)


# -- attempts, redelivery, subscriptions ------------------------------------------------------
def test_attempts_are_listed_newest_first_and_an_event_can_be_redelivered(
    db: SqlDatabase, receiver: Receiver, sender: HttpSender
) -> None:
    endpoint = receiver.subscribe(db)
    first, second = emit(db, line="line_a", n=1), emit(db, line="line_a", n=2)
    assert outcome(deliver(db, sender)) == (2, 2, 0, 0)

    again = creditline.redeliver(db, endpoint, first).body
    assert (again["status"], again["event"]) == ("pending", first)
    assert outcome(deliver(db, sender)) == (1, 1, 0, 0)
    creditline.redeliver(db, endpoint, evt(second))  # as a receiver names it
    assert outcome(deliver(db, sender)) == (1, 1, 0, 0)
    assert receiver.ids() == [evt(first), evt(second), evt(first), evt(second)]
    assert receiver.delivered[0].body == receiver.delivered[2].body

    page = creditline.list_attempts(db, endpoint, limit=3).body
    assert page["has_more"] is True
    assert [a["event"] for a in page["data"]] == [second, first, second]
    rest = creditline.list_attempts(db, endpoint, after=page["data"][-1]["id"]).body
    assert (rest["has_more"], [a["event"] for a in rest["data"]]) == (False, [first])
    assert set(rest["data"][0]) == {
        "object",
        "id",
        "event",
        "status_code",
        "error",
        "duration_ms",
        "succeeded",
        "at",
    }
    with pytest.raises(NotFound):
        creditline.redeliver(db, endpoint, second + 100)
    with pytest.raises(NotFound):
        creditline.list_attempts(db, "we_0000000000000000")
    with pytest.raises(InvalidInput) as bad:
        creditline.redeliver(db, endpoint, "evt_x")
    assert bad.value.param == "event"


def test_an_endpoint_gets_the_types_it_enabled_and_only_events_after_it_was_made(
    db: SqlDatabase, receiver: Receiver, sender: HttpSender
) -> None:
    emit(db, "order.paid")  # before any endpoint: nobody gets it
    freezes = receiver.subscribe(db, "/freezes", ("freeze.added", "freeze.lifted"))
    receiver.subscribe(db, "/every")
    paid = emit(db, "order.paid")
    added, lifted = (
        emit(db, "freeze.added", line="line_a"),
        emit(db, "freeze.lifted", line="line_a"),
    )
    deliver(db, sender)
    assert receiver.ids("/freezes") == [evt(added), evt(lifted)]
    assert receiver.ids("/every") == [evt(paid), evt(added), evt(lifted)]

    receiver.subscribe(db, "/later")  # made now: it gets what comes next, nothing older
    creditline.update_endpoint(db, freezes, enabled_events=["order.paid"])
    shipped = emit(db, "order.paid")
    deliver(db, sender)
    assert receiver.ids("/later") == [evt(shipped)]
    assert receiver.ids("/freezes")[-1] == evt(shipped)
    assert receiver.ids("/every")[-1] == evt(shipped)


def test_the_secret_is_shown_once_and_never_in_list_or_show(db: SqlDatabase) -> None:
    made = creditline.add_endpoint(db, "https://shop.example/hooks", ["*"], "ops").body
    secret = made.pop("secret")
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert made["id"].startswith("we_")
    assert {k: made[k] for k in ("object", "url", "enabled_events", "status", "description")} == {
        "object": "webhook_endpoint",
        "url": "https://shop.example/hooks",
        "enabled_events": ["*"],
        "status": "enabled",
        "description": "ops",
    }
    assert made["created_at"] == "2024-05-01T10:00:00+08:00"
    changed = creditline.update_endpoint(db, made["id"], url="https://shop.example/v2").body
    shown = creditline.show_endpoint(db, made["id"]).body
    listed = creditline.list_endpoints(db).body
    assert listed == {"data": [shown]}
    assert changed == shown
    for body in (changed, shown, listed):
        assert secret not in json.dumps(body)
        assert "secret" not in json.dumps(body)


@pytest.mark.parametrize(
    ("url", "events", "param"),
    [
        ("ftp://shop.example/hooks", ["*"], "url"),
        ("https:///hooks", ["*"], "url"),
        ("shop.example/hooks", ["*"], "url"),
        ("https://shop.example/a b", ["*"], "url"),
        ("https://shop.example:99999/", ["*"], "url"),
        ("https://shop.example/\u202ekcah", ["*"], "url"),
        ("https://shop.example/hooks", [], "enabled_events"),
        ("https://shop.example/hooks", ["order.payed"], "enabled_events"),
        ("https://shop.example/hooks", "*", "enabled_events"),
    ],
)
def test_a_bad_endpoint_is_refused_naming_its_field_and_nothing_is_made(
    url: str, events: Any, param: str
) -> None:
    db = FakeDatabase()
    with pytest.raises(InvalidInput) as refused:
        creditline.add_endpoint(db, url, events)
    assert refused.value.param == param
    if events == ["order.payed"]:
        assert "order.paid" in refused.value.message  # the known types are listed
    assert creditline.list_endpoints(db).body == {"data": []}


def test_an_endpoint_update_checks_what_it_is_given() -> None:
    db = FakeDatabase()
    made = creditline.add_endpoint(db, "https://shop.example/hooks", ["*"]).body
    for change, param in [
        ({"status": "paused"}, "status"),
        ({"url": "mailto:ops@shop.example"}, "url"),
        ({"enabled_events": ["nope"]}, "enabled_events"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            creditline.update_endpoint(db, made["id"], **change)
        assert refused.value.param == param
    with pytest.raises(NotFound):
        creditline.show_endpoint(db, "we_missing")
    off = creditline.update_endpoint(db, made["id"], status="disabled").body
    assert (off["status"], off["disabled_at"]) == ("disabled", "2024-05-01T10:00:00+08:00")


# -- on the fakes: the HTTP call is outside every transaction ---------------------------------
class CountingDatabase(FakeDatabase):
    """A fake database that knows how many transactions are open."""

    open = 0

    @contextmanager
    def transaction(self, *, write: bool = True, snapshot: bool = False) -> Iterator[Any]:
        self.open += 1
        try:
            with super().transaction(write=write, snapshot=snapshot) as uow:
                yield uow
        finally:
            self.open -= 1


class RecordingSender:
    """Answers 500 for the message ids in ``failing``; notes what it sent and whether a
    transaction was open meanwhile."""

    def __init__(self, db: CountingDatabase) -> None:
        self.db = db
        self.failing: set[str] = set()
        self.sent: list[str] = []
        self.open_during_send: list[int] = []

    def timestamp(self) -> int:
        return int(START.timestamp())

    def send(self, url: str, headers: dict[str, str], body: bytes) -> SendResult:
        self.open_during_send.append(self.db.open)
        self.sent.append(headers["webhook-id"])
        code = 500 if headers["webhook-id"] in self.failing else 200
        return SendResult(code, "", 3)


def test_on_the_fakes_no_transaction_is_open_during_a_call_and_lines_stay_in_order() -> None:
    db = CountingDatabase()
    sender = RecordingSender(db)
    creditline.add_endpoint(db, "https://shop.example/hooks", ["*"])
    ids = [emit(db, line=f"line_{i % 2}", n=i) for i in range(6)]
    sender.failing = {evt(ids[0])}
    done = creditline.deliver_webhooks(db, sender, render=lambda p: {"n": p["n"] * 10}).body
    assert outcome(done) == (4, 3, 1, 0)
    assert sender.sent == [evt(i) for i in (ids[0], ids[1], ids[3], ids[5])]
    assert set(sender.open_during_send) == {0}
    sender.failing.clear()
    advance(db, timedelta(seconds=5))
    assert outcome(creditline.deliver_webhooks(db, sender).body) == (3, 3, 0, 0)
    assert sender.sent[4:] == [evt(i) for i in (ids[0], ids[2], ids[4])]
    with pytest.raises(InvalidInput):
        creditline.deliver_webhooks(db, sender, limit=0)


# -- the HTTP sender ---------------------------------------------------------------------------
def test_the_sender_never_raises_for_the_network_and_follows_no_redirect() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/slow":
            raise httpx.ReadTimeout("timed out", request=request)
        if request.url.path == "/moved":
            return httpx.Response(302, headers={"location": "https://elsewhere.example/"})
        assert request.headers["user-agent"].startswith("creditline-webhooks/")
        return httpx.Response(200)

    with HttpSender(transport=httpx.MockTransport(answer)) as mocked:
        assert mocked.send("https://shop.example/ok", {}, b"{}").ok
        slow = mocked.send("https://shop.example/slow", {}, b"{}")
        assert (slow.status_code, slow.error) == (None, "ReadTimeout: timed out")
        moved = mocked.send("https://shop.example/moved", {}, b"{}")
        assert (moved.ok, moved.error) == (False, "HTTP 302")
    with HttpSender(connect_timeout=1) as real:
        refused = real.send("http://127.0.0.1:9/closed", {}, b"{}")  # the discard port: closed
        assert refused.status_code is None
        assert refused.error.startswith("ConnectError")
        assert abs(real.timestamp() - int(datetime.now(UTC).timestamp())) <= 2


# -- the worker command -----------------------------------------------------------------------
def test_the_worker_runs_one_pass_with_once(
    db: SqlDatabase, db_url: str, receiver: Receiver
) -> None:
    receiver.subscribe(db)
    event = emit(db, line="line_a", n=1)
    report = json.loads(cli(db_url, "worker", "--once", "--json").stdout)
    assert report["pass"] == 1
    assert {k: report["webhooks"][k] for k in ("queued", "sent", "succeeded")} == {
        "queued": 1,
        "sent": 1,
        "succeeded": 1,
    }
    assert "expired_holds" in report["due"]
    assert receiver.ids() == [evt(event)]


def test_the_worker_prints_a_line_per_pass_and_exits_0_on_sigterm(sqlite_url: str) -> None:
    """Signals are the operating system's, not the database's: SQLite alone."""
    make_db(sqlite_url).dispose()
    worker = subprocess.Popen(
        [CLI, "--db", sqlite_url, "worker", "--interval", "0.2"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    watchdog = threading.Timer(120, worker.kill)
    watchdog.start()
    try:
        assert worker.stdout is not None
        first = worker.stdout.readline()
        worker.send_signal(signal.SIGTERM)  # mid-pass or between passes: either ends well
        rest, _ = worker.communicate(timeout=120)
    finally:
        watchdog.cancel()
    assert worker.returncode == 0
    assert re.match(r"\S+ pass 1: due jobs 0 · webhooks queued 0, sent 0 .* ms$", first)
    assert all(" pass " in line for line in rest.splitlines())
