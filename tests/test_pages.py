"""The pages (issue 14, first slice) through FastAPI's TestClient on SQLite and PostgreSQL:
sign-in with a key and with a name and password, the limit on failed sign-ins, CSRF, the
session cookie's flags, the holder's quota and why pages, and another holder's line as a 404."""

from __future__ import annotations

import re
import subprocess

import httpx
import pytest
from fastapi.testclient import TestClient

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from creditline.entrypoints.bootstrap import password_hasher
from tests.api_helpers import World, make_world
from tests.helpers import CLI, CLI_TIMEOUT

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def world(db: SqlDatabase) -> World:
    return make_world(db)


def browser(world: World) -> TestClient:
    """A fresh client with its own cookie jar, on the world's app."""
    return TestClient(create_app(world.db, log_requests=False), follow_redirects=False)


def csrf_of(client: TestClient, path: str = "/signin") -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, **fields: str) -> httpx.Response:
    done: httpx.Response = client.post("/signin", data={"csrf": csrf_of(client), **fields})
    return done


def test_the_session_cookie_is_httponly_and_samesite_and_pages_are_not_in_the_openapi(
    world: World,
) -> None:
    client = browser(world)
    cookie = client.get("/signin").headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/v1/") and p not in SYSTEM]
    assert client.get("/static/htmx.min.js").status_code == 200


SYSTEM = {"/healthz", "/readyz", "/metrics"}


def test_a_holder_signs_in_with_its_key_and_sees_its_line(world: World) -> None:
    client = browser(world)
    assert client.get(f"/lines/{world.lines['alice']}").status_code == 303  # not signed in
    done = sign_in(client, key=world.keys["alice"], next=f"/lines/{world.lines['alice']}")
    assert done.status_code == 303
    assert done.headers["location"] == f"/lines/{world.lines['alice']}"
    page = client.get(f"/lines/{world.lines['alice']}")
    assert page.status_code == 200
    assert "额度管理" in page.text
    assert "¥100,000.00" in page.text
    assert "Quota" in client.get(f"/lines/{world.lines['alice']}?lang=en").text


def test_an_operator_signs_in_with_name_and_password_set_on_the_cli(world: World) -> None:
    url = world.db.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [CLI, "--db", url, "operator", "password", "risk", "--json"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=CLI_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    client = browser(world)
    assert sign_in(client, name="risk", password=PASSWORD).status_code == 303
    assert client.get(f"/lines/{world.lines['bob']}").status_code == 200  # operators read all


def test_failed_sign_ins_are_limited_even_for_the_right_password_after(world: World) -> None:
    creditline.set_password(world.db, "risk", PASSWORD, hasher=password_hasher())
    client = browser(world)
    for _ in range(5):
        assert sign_in(client, name="risk", password="wrong password!").status_code == 401
    assert sign_in(client, name="risk", password=PASSWORD).status_code == 429
    assert sign_in(client, key="cl_sk_nonsense").status_code == 429  # the address too


def test_a_form_without_the_csrf_token_is_refused(world: World) -> None:
    client = browser(world)
    client.get("/signin")
    refused = client.post("/signin", data={"key": world.keys["alice"]})
    assert refused.status_code == 403
    refused = client.post("/signin", data={"key": world.keys["alice"], "csrf": "forged"})
    assert refused.status_code == 403
    assert sign_in(client, key=world.keys["alice"]).status_code == 303
    assert client.post("/signout", data={}).status_code == 403
    assert client.get(f"/lines/{world.lines['alice']}").status_code == 200  # still signed in


def test_a_frozen_line_shows_its_freeze_and_the_why_page_gives_every_reason(
    world: World,
) -> None:
    line = world.lines["alice"]
    creditline.add_freeze(world.db, line, reason="risk", note="可疑交易核查", key="frz-1")
    client = browser(world)
    sign_in(client, key=world.keys["alice"])
    quota = client.get(f"/lines/{line}").text
    assert "风控" in quota
    assert "可疑交易核查" in quota
    assert "可提交申诉并附上证据" in quota  # what lifts it
    why = client.get(f"/lines/{line}/why", params={"amount": "100.00", "purpose": "procurement"})
    assert why.status_code == 200
    assert "额度被冻结" in why.text
    assert "line_frozen" in why.text
    english = client.get(f"/lines/{line}/why?amount=100.00&purpose=procurement&lang=en")
    assert "the line is frozen" in english.text
    assert "appeal with evidence" in english.text
    bad = client.get(f"/lines/{line}/why", params={"amount": "abc"})
    assert bad.status_code == 400


def test_another_holders_line_is_the_same_404_as_no_line(world: World) -> None:
    client = browser(world)
    sign_in(client, key=world.keys["alice"])
    theirs = client.get(f"/lines/{world.lines['bob']}")
    missing = client.get("/lines/line_0000000000000000")
    assert theirs.status_code == missing.status_code == 404
    assert client.get(f"/lines/{world.lines['bob']}/why?amount=1").status_code == 404
    # The same page, but for the path in the language switch: nothing tells the line exists.
    assert theirs.text.replace(world.lines["bob"], "X") == missing.text.replace(
        "line_0000000000000000", "X"
    )


def test_an_operators_key_does_not_sign_in_to_the_pages(world: World) -> None:
    client = browser(world)
    assert sign_in(client, key=world.keys["root"]).status_code == 401


def test_revoking_the_key_ends_the_holders_page_session(world: World) -> None:
    client = browser(world)
    sign_in(client, key=world.keys["alice"])
    assert client.get(f"/lines/{world.lines['alice']}").status_code == 200
    creditline.revoke_key(world.db, world.key_ids["alice"])
    assert client.get(f"/lines/{world.lines['alice']}").status_code == 303  # back to /signin


HTML = {"Accept": "text/html,application/xhtml+xml"}


def test_a_browser_gets_error_pages_and_a_script_the_api_s_json(world: World) -> None:
    client = browser(world)
    sign_in(client, key=world.keys["alice"])
    missing = client.get("/no-such-page", headers=HTML)
    assert missing.status_code == 404
    assert "没有找到" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    assert client.get("/no-such-page").json()["error"]["code"] == "route_missing"
    assert client.get("/v1/no-such-route", headers=HTML).json()["error"]["code"] == "route_missing"
    line = world.lines["alice"]
    bad = client.get(f"/lines/{line}/why?amount={'9' * 40}&lang=en", headers=HTML)
    assert bad.status_code == 400
    assert "Bad request" in bad.text
    assert "<code>amount</code>" in bad.text
    assert client.get(f"/lines/{line}/why?amount={'9' * 40}").status_code == 400


def test_a_name_without_a_password_costs_the_same_hash_check_as_one_with() -> None:
    """No timing oracle: an unknown name, or one with no password, is checked against a
    stand-in hash (one verify each), so a sign-in's time does not tell who has a password."""

    class Counting:
        verified = 0

        def hash(self, password: str) -> str:
            return "h:" + password

        def verify(self, encoded: str, password: str) -> bool:
            Counting.verified += 1
            return encoded == "h:" + password

    from tests.fakes import FakeDatabase

    db = FakeDatabase()
    creditline.add_operator(db, "boss", role="admin", by=None)
    for name in ("boss", "nobody"):
        with pytest.raises(creditline.Unauthenticated):
            creditline.check_password(db, name, "a wrong password", hasher=Counting())
    assert Counting.verified == 2
