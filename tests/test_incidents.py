"""Incidents (系统故障) and temporary quota (临时额度), seed 004's case 3: a platform fault froze
two lines; ``why`` blamed the platform with its estimate; closing lifted the freezes and
granted 10,000.00 of temporary quota for 7 days, spent first; run-due ended it without
dropping the limit below what is used; the ledger still verifies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

import creditline
from creditline import InvalidInput, NotFound
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from creditline.entrypoints.bootstrap import password_hasher
from creditline.service.due_jobs import run_due
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import spending
from tests.api_helpers import World, make_world
from tests.helpers import active_line, cli, js

TITLE = "额度计算故障"


def _codes(body: dict[str, Any]) -> list[str]:
    return [r["code"] for r in body["reasons"]]


def _line(db: SqlDatabase, line: str) -> dict[str, Any]:
    return creditline.show_line(db, line).body


def _open(db: SqlDatabase, lines: list[str], key: str = "inc-open") -> dict[str, Any]:
    return creditline.open_incident(
        db,
        lines=lines,
        title=TITLE,
        note="quota service miscalculated limits after a release",
        estimate_hours=24,
        actor="ops-wang",
        key=key,
    ).body


def _told_the_platform_is_at_fault(db: SqlDatabase, line: str, incident: str) -> None:
    """The line stands frozen for a system fault, and why says whose fault and until when."""
    standing = [
        f for f in creditline.list_freezes(db, line).body["freezes"] if f["status"] == "active"
    ]
    assert [f["reason"] for f in standing] == ["system_fault"]
    assert "平台系统故障" in standing[0]["lifts_zh"]
    why = creditline.why(db, line, amount="1.00", purpose="procurement").body
    frozen = next(r for r in why["reasons"] if r["code"] == "line_frozen")
    assert frozen["facts"]["platform_fault"] is True
    assert frozen["facts"]["incident"] == incident
    assert frozen["facts"]["estimate"] == "2024-05-02T10:00:00+08:00"
    assert "不是您的原因" in frozen["message_zh"]
    assert "platform fault" in frozen["message_en"]
    assert "2024-05-02 10:00" in frozen["action_zh"]
    assert "无需操作" in frozen["action_zh"]
    assert "expected to clear by 2024-05-02 10:00" in frozen["action_en"]
    declined = spending.authorize(db, line, amount="1.00", purpose="procurement", key=f"s{line}")
    assert "line_frozen" in _codes(declined.body)
    notice = creditline.temporary_quota(db, line).body["incidents"]
    assert [n["id"] for n in notice] == [incident]
    assert "平台系统故障" in notice[0]["message_zh"]


def test_seed_004_case_3_incident_freezes_then_compensates_with_temporary_quota(
    db: SqlDatabase,
) -> None:
    _, a = active_line(db, "衣尚坊", limit="10000.00")
    _, b = active_line(db, "美妆屋", limit="50000.00")
    inc = _open(db, [a, b])
    assert inc["status"] == "open"
    assert inc["opened_by"] == "ops-wang"
    assert inc["estimated_clear_at"] == "2024-05-02T10:00:00+08:00"
    assert _open(db, [a, b]) == inc  # a replay: the same incident, nothing twice
    for line in (a, b):
        _told_the_platform_is_at_fault(db, line, inc["id"])

    creditline.advance_clock(db, "20h")  # fixed within 24 hours
    closed = creditline.close_incident(
        db,
        inc["id"],
        note="fixed; compensation quota granted",
        temporary_amount="10000.00",
        temporary_days=7,
        actor="ops-wang",
        key="inc-close",
    ).body
    assert closed["status"] == "closed"
    assert len(closed["lifted"]) == 2
    assert [q["amount"] for q in closed["temporary_quotas"]] == ["10000.00", "10000.00"]
    assert _line(db, a)["limit"] == "20000.00"
    assert _line(db, b)["limit"] == "60000.00"
    assert creditline.temporary_quota(db, a).body["incidents"] == []
    again = creditline.close_incident(db, inc["id"], note="again", key="inc-close-2")
    assert again.refused
    assert again.body["error"]["code"] == "incident_closed"

    # Temporary quota first: 12,000 spends all 10,000 of it.
    hold = spending.authorize(db, a, amount="12000.00", purpose="procurement", key="s1").body
    assert hold["status"] == "authorized"
    spending.capture(db, hold["id"], amount=None, key="c1")  # occupied: used until repaid
    tq = creditline.temporary_quota(db, a).body
    assert (tq["temporary_amount"], tq["temporary_remaining"]) == ("10000.00", "0.00")
    assert tq["permanent_limit"] == "10000.00"
    [active] = tq["active"]
    assert (active["spent"], active["remaining"]) == ("10000.00", "0.00")
    assert active["ends_at"] == "2024-05-09T06:00:00+08:00"
    assert creditline.temporary_quota(db, b).body["temporary_remaining"] == "10000.00"

    creditline.advance_clock(db, "7d")
    ended = run_due(db).body["temporary_quotas_ended"]
    assert len(ended) == 2
    # Never below what is used: A keeps 12,000 (2,000 waits); B is back to 50,000.
    after_a = _line(db, a)
    assert (after_a["limit"], after_a["available"]) == ("12000.00", "0.00")
    assert _line(db, b)["limit"] == "50000.00"
    why = creditline.why(db, a, amount="1.00", purpose="procurement").body
    assert _codes(why) == ["insufficient_available", "limit_reduced"]
    reduced = why["reasons"][1]
    assert "临时额度已到期" in reduced["message_zh"]
    assert "the temporary quota ended" in reduced["message_en"]
    assert "不是处罚" in reduced["action_zh"]
    past = creditline.temporary_quota(db, a).body
    assert past["active"] == []
    assert [q["status"] for q in past["past"]] == ["ended"]
    assert run_due(db).body["temporary_quotas_ended"] == []

    spending.repay(db, a, amount="12000.00", key="r1")  # the quota frees: the rest goes
    after_a = _line(db, a)
    assert (after_a["limit"], after_a["available"]) == ("10000.00", "10000.00")
    assert verify_ledger(db).ok


def test_bad_input_names_the_field_and_changes_nothing(db: SqlDatabase) -> None:
    _, a = active_line(db, limit="10000.00")

    def refused(field: str, **kwargs: Any) -> None:
        args: dict[str, Any] = {
            "lines": [a],
            "title": TITLE,
            "estimate_hours": 24,
            "key": "k",
            **kwargs,
        }
        with pytest.raises(InvalidInput) as caught:
            creditline.open_incident(db, **args)
        assert caught.value.param == field

    refused("lines", lines=[])
    refused("title", title="  ")
    refused("estimate_hours", estimate_hours=0)
    refused("key", key=None)
    with pytest.raises(NotFound) as missing:
        creditline.open_incident(db, lines=[a, "line_0000000000000000"], title=TITLE, key="k")
    assert missing.value.param == "line"
    assert creditline.list_freezes(db, a).body["freezes"] == []
    assert creditline.list_incidents(db).body["data"] == []

    inc = _open(db, [a])
    cases: list[tuple[str, dict[str, Any]]] = [
        ("temporary_amount", {"temporary_amount": "-5", "temporary_days": 7}),
        ("temporary_amount", {"temporary_amount": "0.00", "temporary_days": 7}),
        ("temporary_days", {"temporary_amount": "10.00"}),
        ("temporary_days", {"temporary_amount": "10.00", "temporary_days": 0}),
        ("note", {"note": ""}),
    ]
    for field, kwargs in cases:
        args: dict[str, Any] = {"note": "fixed", "key": "c", **kwargs}
        with pytest.raises(InvalidInput) as caught:
            creditline.close_incident(db, inc["id"], **args)
        assert caught.value.param == field, kwargs
    assert creditline.show_incident(db, inc["id"]).body["status"] == "open"
    for field, kwargs in [
        ("amount", {"amount": "ten", "days": 7, "note": "n"}),
        ("days", {"amount": "10.00", "days": 91, "note": "n"}),
        ("note", {"amount": "10.00", "days": 7, "note": None}),
    ]:
        with pytest.raises(InvalidInput) as caught:
            creditline.grant_temporary_quota(db, a, key="g", **kwargs)  # type: ignore[arg-type]
        assert caught.value.param == field
    assert _line(db, a)["limit"] == "10000.00"
    assert creditline.temporary_quota(db, a).body["active"] == []


def test_an_operator_grant_without_an_incident(db: SqlDatabase) -> None:
    _, a = active_line(db, limit="10000.00")
    granted = creditline.grant_temporary_quota(
        db, a, amount="3000.00", days=3, note="618 promotion", actor="ops-li", key="g1"
    ).body
    assert granted["source"] == "operator"
    assert granted["balances"]["limit"] == "13000.00"
    replay = creditline.grant_temporary_quota(
        db, a, amount="3000.00", days=3, note="618 promotion", actor="ops-li", key="g1"
    ).body
    assert replay["id"] == granted["id"]
    assert _line(db, a)["limit"] == "13000.00"
    spending.authorize(db, a, amount="1000.00", purpose="procurement", key="s1")
    tq = creditline.temporary_quota(db, a).body
    assert tq["active"][0]["remaining"] == "2000.00"
    creditline.advance_clock(db, "3d")
    assert run_due(db).body["temporary_quotas_ended"] == [granted["id"]]
    assert _line(db, a)["limit"] == "10000.00"
    assert verify_ledger(db).ok


# -- the API, the pages and the CLI: the same use cases ---------------------------------------
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')


def _ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


def _browser(w: World, **signin: str) -> TestClient:
    client = TestClient(create_app(w.db, log_requests=False), follow_redirects=False)
    token = CSRF.search(client.get("/signin").text)
    assert token is not None
    assert client.post("/signin", data={"csrf": token.group(1), **signin}).status_code == 303
    return client


def _form(client: TestClient, page_path: str, action: str, **fields: str) -> Any:
    html = client.get(page_path).text
    token, key = CSRF.search(html), FORM_KEY.search(html)
    assert token is not None
    assert key is not None
    return client.post(action, data={"csrf": token.group(1), "form_key": key.group(1), **fields})


def test_api_and_pages_open_close_and_show_only_the_holders_own(db: SqlDatabase) -> None:
    w = make_world(db)
    alice, bob = w.lines["alice"], w.lines["bob"]
    body = {"lines": [alice, bob], "title": TITLE, "estimate_hours": 24}
    assert w.post("risk", "/v1/incidents", body).status_code == 403  # role operations only
    assert w.post("alice", "/v1/incidents", body).status_code == 403
    inc = _ok(w.post("ops", "/v1/incidents", body, **{"Idempotency-Key": "i1"}))
    assert inc["object"] == "incident"
    assert inc["status"] == "open"
    assert _ok(w.post("ops", "/v1/incidents", body, **{"Idempotency-Key": "i1"}))["id"] == inc["id"]
    assert w.get("alice", "/v1/incidents").status_code == 403
    assert w.get("alice", f"/v1/incidents/{inc['id']}").status_code == 404
    assert [i["id"] for i in _ok(w.get("risk", "/v1/incidents"))["data"]] == [inc["id"]]
    bad = w.post("ops", "/v1/incidents", {**body, "lines": []})
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "lines"

    # The holder's page: the honest banner while the incident is open.
    creditline.set_password(db, "ops", PASSWORD, hasher=password_hasher())
    mine = _browser(w, key=w.keys["alice"])
    html = mine.get(f"/lines/{alice}").text
    assert "平台系统故障导致，非您的原因" in html
    assert "2024-05-02 10:00" in html
    ops = _browser(w, name="ops", password=PASSWORD)
    listed = ops.get("/ops/incidents")
    assert listed.status_code == 200
    assert inc["id"] in listed.text
    assert mine.get("/ops/incidents").status_code == 404

    closed = _form(
        ops,
        "/ops/incidents",
        f"/ops/incidents/{inc['id']}/close",
        note="fixed",
        temporary_amount="10000.00",
        temporary_days="7",
    )
    assert closed.status_code == 303
    assert creditline.show_incident(db, inc["id"]).body["status"] == "closed"
    tq = _ok(w.get("alice", f"/v1/lines/{alice}/temporary_quota"))
    assert tq["temporary_remaining"] == 1_000_000
    assert tq["active"][0]["object"] == "temporary_quota"
    assert w.get("alice", f"/v1/lines/{bob}/temporary_quota").status_code == 404
    html = mine.get(f"/lines/{alice}").text
    assert "临时额度剩余" in html
    assert "¥10,000.00" in html
    assert "2024-05-08 10:00" in html
    assert mine.get(f"/lines/{bob}").status_code == 404

    grant = {"amount": 50_000, "days": 3, "note": "promotion"}
    assert w.post("alice", f"/v1/lines/{alice}/temporary_quota", grant).status_code == 403
    granted = _ok(w.post("ops", f"/v1/lines/{bob}/temporary_quota", grant))
    assert granted["amount"] == 50_000
    assert granted["balances"]["limit"] == 11_050_000
    done = _form(
        ops, "/ops/incidents", "/ops/temporary_quota", line=bob, amount="1.00", days="x", note="n"
    )
    assert done.status_code == 303
    assert "days" in ops.get("/ops/incidents").text
    assert creditline.show_line(db, bob).body["limit"] == "110500.00"


def test_the_cli_opens_shows_closes_and_grants(db_url: str, db: SqlDatabase) -> None:
    _, a = active_line(db, limit="10000.00")
    creditline.add_operator(db, "root", role="admin", by=None)
    root = creditline.Principal("root", role=creditline.Role.ADMIN)
    creditline.add_operator(db, "wang", role="operations", by=root)
    opened = js(
        db_url,
        "incident",
        "open",
        "--line",
        a,
        "--title",
        TITLE,
        "--estimate-hours",
        "24",
        "--key",
        "c1",
        "--as",
        "wang",
    )
    assert opened["lines"][0]["line"] == a
    assert opened["opened_by"] == "operator:wang"
    assert js(db_url, "incident", "list")["data"][0]["id"] == opened["id"]
    no_one = ("incident", "open", "--line", a, "--title", TITLE, "--key", "c2")
    assert "--as" in cli(db_url, *no_one, check=2).stderr  # an operator action names its operator
    closed = js(
        db_url,
        "incident",
        "close",
        opened["id"],
        "--note",
        "fixed",
        "--temporary-quota",
        "10000.00",
        "--days",
        "7",
        "--key",
        "c3",
        "--as",
        "wang",
    )
    assert closed["temporary_quotas"][0]["amount"] == "10000.00"
    shown = cli(db_url, "incident", "show", opened["id"]).stdout
    assert a in shown
    assert opened["id"] in shown
    granted = js(
        db_url,
        "quota",
        "grant-temporary",
        a,
        "--amount",
        "500.00",
        "--days",
        "2",
        "--note",
        "n",
        "--key",
        "c4",
        "--as",
        "wang",
    )
    assert granted["balances"]["limit"] == "20500.00"
    assert js(db_url, "quota", "temporary", a)["temporary_remaining"] == "10500.00"
    assert "临时额度" in cli(db_url, "quota", "temporary", a).stdout
    bad = js(
        db_url,
        "quota",
        "grant-temporary",
        a,
        "--amount",
        "1.00",
        "--days",
        "0",
        "--note",
        "n",
        "--key",
        "c5",
        "--as",
        "wang",
        check=2,
    )
    assert bad["error"]["param"] == "days"
