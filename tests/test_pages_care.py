"""The holder's care pages (自测清单, 安全中心, 政策变更) with their CLI commands and API routes, on
SQLite and PostgreSQL: a holder signs in with its party id and the password an operator set
(audited), a new password ends the old session, failed holder sign-ins are limited, a holder
sees only its own party (another's is the 404 page), operators read any, and the pages, the
CLI and the API give the same answers."""

from __future__ import annotations

import json
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
from tests.helpers import CLI, CLI_TIMEOUT, cli, js, run_command

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PAGES = ("self-check", "security", "policy-changes")


@pytest.fixture
def world(db: SqlDatabase) -> World:
    return make_world(db)


def browser(world: World) -> TestClient:
    return TestClient(create_app(world.db, log_requests=False), follow_redirects=False)


def sign_in(client: TestClient, **fields: str) -> httpx.Response:
    found = CSRF.search(client.get("/signin").text)
    assert found is not None
    done: httpx.Response = client.post("/signin", data={"csrf": found.group(1), **fields})
    return done


def url_of(world: World) -> str:
    return world.db.engine.url.render_as_string(hide_password=False)


def set_password_on_the_cli(
    world: World, party: str, *args: str, process: bool = False
) -> subprocess.CompletedProcess:
    """``party password`` with the password on stdin: in this process, or (``process``) the
    real script reading it from a pipe."""
    command = ["--db", url_of(world), "party", "password", party, "--json", *args]
    if not process:
        return run_command(command, stdin=PASSWORD + "\n")
    return subprocess.run(
        [CLI, *command],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=CLI_TIMEOUT,
    )


def test_a_holder_signs_in_with_its_party_id_and_the_password_an_operator_set(world):
    alice = world.parties["alice"]
    refused = set_password_on_the_cli(world, alice, "--as", "ops")  # keys.write is an admin's
    assert refused.returncode == 3, refused.stderr
    done = set_password_on_the_cli(world, alice, "--as", "root", process=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"object": "party", "id": alice, "password_set": True}
    assert PASSWORD not in done.stdout
    [record] = [r for r in creditline.list_audit(world.db).body["data"] if r["target"] == alice]
    assert (record["actor"], record["action"], record["outcome"]) == (
        "root",
        "keys.write",
        "committed",
    )
    client = browser(world)
    form = client.get("/signin").text
    assert "用户名/商户编号" in form
    assert 'for="name"' in form
    wrong = sign_in(client, name=alice, password="not the password")
    assert wrong.status_code == 401
    done = sign_in(client, name=alice, password=PASSWORD, next=f"/parties/{alice}/security")
    assert (done.status_code, done.headers["location"]) == (303, f"/parties/{alice}/security")
    assert client.get(f"/lines/{world.lines['alice']}").status_code == 200
    for path in PAGES:
        assert client.get(f"/parties/{alice}/{path}").status_code == 200
        assert client.get(f"/parties/{world.parties['bob']}/{path}").status_code == 404
        assert client.get(f"/parties/mer_0000000000000000/{path}").status_code == 404
    assert client.get(f"/lines/{world.lines['bob']}").status_code == 404


def test_a_new_password_ends_the_sessions_opened_with_the_old(world):
    alice, hasher = world.parties["alice"], password_hasher()
    creditline.set_holder_password(world.db, alice, PASSWORD, hasher=hasher)
    client = browser(world)
    assert sign_in(client, name=alice, password=PASSWORD).status_code == 303
    assert client.get(f"/parties/{alice}/self-check").status_code == 200
    creditline.set_holder_password(world.db, alice, "another long password", hasher=hasher)
    ended = client.get(f"/parties/{alice}/self-check")
    assert ended.status_code == 303
    assert ended.headers["location"].startswith("/signin")
    assert sign_in(client, name=alice, password="another long password").status_code == 303


def test_failed_holder_sign_ins_count_in_the_same_limit(world):
    alice = world.parties["alice"]
    creditline.set_holder_password(world.db, alice, PASSWORD, hasher=password_hasher())
    client = browser(world)
    for _ in range(5):
        assert sign_in(client, name=alice, password="wrong password!!").status_code == 401
    assert sign_in(client, name=alice, password=PASSWORD).status_code == 429


def test_an_operator_named_like_a_party_still_signs_in(world):
    root = creditline.Principal("root", role=creditline.Role.ADMIN)
    creditline.add_operator(world.db, "mer_desk", role="risk", by=root)
    creditline.set_password(world.db, "mer_desk", PASSWORD, hasher=password_hasher())
    client = browser(world)
    assert sign_in(client, name="mer_desk", password=PASSWORD).status_code == 303
    bob = world.parties["bob"]
    page = client.get(f"/parties/{bob}/self-check")  # operators who may read see any party
    assert page.status_code == 200
    assert 'id="self-check"' in page.text


def test_the_self_check_page_scores_each_item_and_says_when_there_is_no_data(world):
    alice, line = world.parties["alice"], world.lines["alice"]
    creditline.authorize(world.db, line, amount="70000.00", purpose="procurement", key="sc-1")
    creditline.save_service_figures(
        world.db, alice, day="2024-04-30", chats=100, answered_within_30s=80, median_seconds=31
    )
    client = browser(world)
    sign_in(client, key=world.keys["alice"])
    page = client.get(f"/parties/{alice}/self-check").text
    assert 'id="self-check"' in page
    assert f'href="/lines/{line}"' in page
    assert "分账时效" in page
    assert "暂无数据" in page
    assert "得分 5/5" in page
    assert "达标" in page
    assert "得分 3/5" in page
    assert "未达标" in page
    assert "80.0%" in page
    english = client.get(f"/parties/{alice}/self-check?lang=en").text
    assert "No data yet" in english
    assert "Score 3/5" in english
    assert "Below the pass line" in english


def test_the_security_page_shows_devices_abnormal_logins_and_the_whitelist(world):
    bob = world.parties["bob"]
    creditline.record_login(world.db, bob, device="bob-phone", ip="10.0.0.2")
    creditline.advance_clock(world.db, "31d")
    creditline.record_login(world.db, bob, device="bob-pad", ip="10.0.0.9")
    creditline.add_supplier(world.db, bob, name="杭州织造", tier="core", account="6222001")
    client = browser(world)
    sign_in(client, key=world.keys["bob"])
    page = client.get(f"/parties/{bob}/security").text
    for anchor in ('id="devices"', 'id="abnormal-logins"', 'id="whitelist"'):
        assert anchor in page
    assert "bob-phone" in page
    assert "超过30天未确认" in page
    assert "bob-pad" in page
    assert "新设备" in page
    assert "新IP" in page
    assert "杭州织造" in page
    assert "核心供应商数量: 1" in page
    empty = browser(world)
    sign_in(empty, key=world.keys["alice"])
    alice_page = empty.get(f"/parties/{world.parties['alice']}/security?lang=en").text
    assert "No logins recorded yet" in alice_page
    assert "No abnormal login" in alice_page
    assert "No core supplier yet" in alice_page


def test_the_policy_changes_page_shows_old_to_new_and_what_it_applies_to(world):
    alice, line = world.parties["alice"], world.lines["alice"]
    client = browser(world)
    sign_in(client, key=world.keys["alice"])
    empty = client.get(f"/parties/{alice}/policy-changes")
    assert 'id="policy-changes"' in empty.text
    assert "没有影响您的政策变更" in empty.text
    creditline.set_policy(world.db, "hold_timeout_days", "5", effective="now", note="更短")
    page = client.get(f"/parties/{alice}/policy-changes?days=7").text
    assert "预授权有效天数" in page
    assert "<strong>5</strong>" in page
    assert "更短" in page
    assert f'<a href="/lines/{line}" class="care-id">{line}</a>' in page
    assert "平台政策对所有商户统一生效" in page
    bad = client.get(f"/parties/{alice}/policy-changes?days=abc")
    assert bad.status_code == 400
    assert "天数须为1到366之间的整数" in bad.text
    assert "预授权有效天数" in bad.text  # the default 30 days meanwhile


def test_the_api_routes_are_the_same_answers_with_their_access(world):
    alice, bob = world.parties["alice"], world.parties["bob"]
    body = {"password": PASSWORD}
    assert world.post("ops", f"/v1/parties/{alice}/password", body).status_code == 403
    assert world.post("alice", f"/v1/parties/{alice}/password", body).status_code == 403
    assert world.post("alice", f"/v1/parties/{bob}/password", body).status_code == 404
    short = world.post("root", f"/v1/parties/{alice}/password", {"password": "short"})
    assert short.status_code == 400
    assert short.json()["error"]["param"] == "password"
    done = world.post("root", f"/v1/parties/{alice}/password", body)
    assert done.status_code == 200
    assert PASSWORD not in done.text
    assert done.json() == {"object": "party", "id": alice, "password_set": True}
    figures = {"day": "2024-04-30", "chats": 120, "answered_within_30s": 110, "median_seconds": 12}
    assert world.post("alice", f"/v1/parties/{alice}/service_figures", figures).status_code == 403
    posted = world.post("ops", f"/v1/parties/{alice}/service_figures", figures)
    assert posted.status_code == 200
    assert posted.json()["chats"] == 120
    again = world.post("ops", f"/v1/parties/{alice}/service_figures", figures)
    assert again.json() == posted.json()
    bad = world.post("ops", f"/v1/parties/{alice}/service_figures", figures | {"chats": 100})
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "answered_within_30s"
    check = world.get("alice", f"/v1/parties/{alice}/self_check")
    assert check.status_code == 200
    items = {i["item"]: i for i in check.json()["items"]}
    assert items["service_response"]["score"] == 4  # 91.7%
    assert (
        items["quota_utilisation"]["status"] == "no_data"
        or "limit" in items["quota_utilisation"]["facts"]
    )
    assert isinstance(items["quota_utilisation"]["facts"]["limit"], int)  # minor units
    assert world.get("alice", f"/v1/parties/{bob}/self_check").status_code == 404
    security = world.get("risk", f"/v1/parties/{bob}/security")
    assert security.status_code == 200
    assert security.json()["whitelist"]["advised"] == 3
    changes = world.get("alice", f"/v1/parties/{alice}/policy_changes?days=7")
    assert changes.status_code == 200
    assert changes.json()["days"] == 7
    assert world.get("alice", f"/v1/parties/{alice}/policy_changes?days=0").status_code == 400
    assert world.get(None, f"/v1/parties/{alice}/security").status_code == 401


def test_the_cli_commands_give_the_use_cases_answers(world):
    url, alice = url_of(world), world.parties["alice"]
    posted = js(
        url,
        "party",
        "service-figures",
        alice,
        "--day",
        "2024-04-30",
        "--chats",
        "50",
        "--within-30s",
        "49",
        "--median-seconds",
        "9",
        "--as",
        "ops",
    )
    assert posted["answered_within_30s"] == 49
    cli(
        url,
        "party",
        "service-figures",
        alice,
        "--day",
        "x",
        "--chats",
        "1",
        "--within-30s",
        "1",
        "--median-seconds",
        "1",
        "--as",
        "ops",
        check=2,
    )
    check = js(url, "party", "self-check", alice, process=True)  # the real script, once
    assert check == creditline.self_check(world.db, alice).body
    assert "self-check 自测清单" in cli(url, "party", "self-check", alice).stdout
    security = js(url, "party", "security", alice)
    assert security["whitelist"]["core_count"] == 0
    assert "split whitelist" in cli(url, "party", "security", alice).stdout
    creditline.set_policy(world.db, "split_window", "09:00-17:00", effective="now")
    changes = js(url, "party", "policy-changes", alice, "--days", "7")
    assert [s["key"] for s in changes["changes"][0]["settings"]] == ["split_window"]
    assert "09:00-17:00" in cli(url, "party", "policy-changes", alice).stdout
    cli(url, "party", "policy-changes", alice, "--days", "0", check=2)
    missing = cli(url, "party", "self-check", "mer_0000000000000000", check=2)
    assert "no such party" in missing.stderr
