"""The README's API examples run as written, against a real server (``creditline serve`` on
uvicorn, SQLite), and its webhook snippet verifies a delivery signed the way the worker signs
one. The server also shuts down cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from creditline.domain.webhooks.signatures import signed_headers
from tests.api_helpers import World, make_world
from tests.helpers import make_db

README = Path(__file__).parents[1] / "README.md"
CREDITLINE = Path(sys.executable).with_name("creditline")


def _block(after: str, language: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(after)
    match = re.compile(rf"```{language}\n(.*?)```", re.DOTALL).search(text, start)
    assert match is not None, f"no {language} block after {after!r}"
    return match.group(1)


def commands(block: str) -> list[str]:
    """The shell commands of a block: continuation lines joined, comments left out."""
    joined = block.replace("\\\n", " ")
    return [
        line.strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")
    ]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the server did not become ready")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[World, str, subprocess.Popen[bytes]]]:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    world = make_world(make_db(url))
    world.client.close()
    port = _port()
    proc = subprocess.Popen(
        [str(CREDITLINE), "--db", url, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _ready(port, proc)
        yield world, f"http://127.0.0.1:{port}", proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def test_the_readme_curl_examples_run_against_a_real_server(served):
    world, api, proc = served
    env = os.environ | {
        "API": api,
        "KEY": world.keys["alice"],
        "LINE": world.lines["alice"],
        "RISK_KEY": world.keys["risk"],
        "ADMIN_KEY": world.keys["root"],
    }
    found = commands(_block("<!-- api-examples", "sh"))
    assert len(found) >= 5
    objects = []
    for command in found:
        done = subprocess.run(
            ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60, check=True
        )
        body = json.loads(done.stdout)
        assert "error" not in body, (command, body)
        objects.append(body.get("object"))
    assert objects[0] == "line"
    assert "authorization" in objects
    assert "webhook_endpoint" in objects
    # The spend went through and is the line's hold; a replay of the same command is the same.
    again = subprocess.run(
        ["bash", "-c", found[2]], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert (
        json.loads(again.stdout)["id"]
        == json.loads(
            subprocess.run(
                ["bash", "-c", found[2]], env=env, capture_output=True, text=True, check=True
            ).stdout
        )["id"]
    )
    # One JSON line per request on stderr, with the request id and never the key.
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    log = proc.stderr.read().decode() if proc.stderr else ""
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(
        line.get("route") == "/v1/lines/{line_id}" and line["status"] == 200 for line in lines
    )
    assert all(line["request_id"].startswith("req_") for line in lines if "route" in line)
    assert world.keys["alice"] not in log
    assert world.keys["root"] not in log


def test_the_readme_webhook_snippet_verifies_a_signed_delivery():
    namespace: dict[str, object] = {}
    exec(_block("so any of its libraries verifies them", "python"), namespace)
    receive = namespace["receive"]
    secret = "whsec_" + __import__("base64").b64encode(secrets.token_bytes(24)).decode()
    body = json.dumps({"id": "evt_1", "type": "freeze.added", "data": {"object": {}}}).encode()
    headers = signed_headers(secret, "evt_1", int(time.time()), body)
    assert receive(body, headers, secret)["type"] == "freeze.added"  # type: ignore[operator]
    with pytest.raises(Exception, match=r"(?i)signature"):
        receive(body + b" ", headers, secret)  # type: ignore[operator]
