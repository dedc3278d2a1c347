"""Appeals (申诉) through the HTTP API, the pages and the CLI, on SQLite and PostgreSQL: a
holder appeals its own line with evidence in minor units, another holder sees nothing of it,
only role risk decides (audited), and the line spends again; the quota page shows the appeal
and its form, the desk its queue and the decision form; the CLI's four commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from creditline.entrypoints.bootstrap import password_hasher
from tests.api_helpers import make_world
from tests.helpers import active_line, cli, js

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')
PASSWORD = "correct horse battery"


def _frozen_and_lowered(db: SqlDatabase, line: str) -> str:
    freeze = creditline.add_freeze(
        db, line, reason="risk", note="频繁提现尝试 repeated withdrawal attempts", key="frz"
    ).body["id"]
    creditline.set_limit(db, line, limit="50000.00", note="退货率过高 return rate", key="low")
    return freeze


def test_api_a_holder_appeals_risk_decides_and_another_holder_sees_nothing(db) -> None:
    w = make_world(db)
    line = w.lines["alice"]
    freeze = _frozen_and_lowered(db, line)
    body = {
        "reason": "退货已处理 returns settled",
        "evidence": {
            "amounts": [{"amount": 1_800_000, "note": "refunds paid"}],
            "documents": [{"type": "bank_statement"}],
        },
    }
    assert w.post("bob", f"/v1/lines/{line}/appeals", body).status_code == 404
    sent = w.post("alice", f"/v1/lines/{line}/appeals", body, **{"Idempotency-Key": "a-1"})
    assert sent.status_code == 200, sent.text
    appeal = sent.json()
    assert (appeal["object"], appeal["status"]) == ("appeal", "submitted")
    assert appeal["evidence"]["amounts"][0]["amount"] == 1_800_000
    assert appeal["restore_limit"] == 10_000_000
    again = w.post("alice", f"/v1/lines/{line}/appeals", body, **{"Idempotency-Key": "a-1"})
    assert again.json()["id"] == appeal["id"]
    second = w.post("alice", f"/v1/lines/{line}/appeals", body)
    assert second.status_code == 402
    assert second.json()["error"]["code"] == "appeal_already_open"

    path = f"/v1/appeals/{appeal['id']}"
    assert w.get("bob", path).status_code == 404
    assert w.get("risk", "/v1/appeals/apl_nothing").status_code == 404
    assert w.get("alice", path).json()["steps"][0]["action"] == "submitted"
    assert w.get("bob", "/v1/appeals").json()["data"] == []
    assert w.get("bob", f"/v1/appeals?line={line}").status_code == 404
    queue = w.get("risk", "/v1/appeals?status=submitted").json()
    assert (queue["object"], [a["id"] for a in queue["data"]]) == ("list", [appeal["id"]])

    decision = {
        "outcome": "partial",
        "limit": 8_000_000,
        "lift_freezes": [freeze],
        "note": "复核后部分恢复 re-assessed",
    }
    decide = f"{path}/decision"
    assert w.post("alice", decide, decision).status_code == 403
    assert w.post("ops", decide, decision).status_code == 403
    decided = w.post("risk", decide, decision, **{"Idempotency-Key": "d-1"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided_limit"] == 8_000_000
    assert decided.json()["lifted_freezes"] == [freeze]
    assert w.get("alice", f"/v1/lines/{line}").json()["limit"] == 8_000_000
    spend = {"amount": 100_000, "purpose": "procurement"}
    assert w.post("alice", f"/v1/lines/{line}/authorizations", spend).status_code == 200
    audit = w.get("root", "/v1/audit?limit=100").json()["data"]
    assert any(r["action"] == "appeal.decide" and r["target"] == appeal["id"] for r in audit)
    bad = {"reason": "x", "evidence": {"documents": [{"type": "selfie"}]}}
    refused = w.post("alice", f"/v1/lines/{line}/appeals", bad)
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "evidence.documents[0].type"
    assert len(w.get("alice", "/v1/appeals").json()["data"]) == 1


def _signed_in(app: FastAPI, **fields: str) -> TestClient:
    """A browser of its own (its own cookies) on the one app."""
    client = TestClient(app, follow_redirects=False)
    token = CSRF.search(client.get("/signin").text)
    assert token is not None
    assert client.post("/signin", data={"csrf": token.group(1), **fields}).status_code == 303
    return client


def _post(client: TestClient, page: str, action: str, **fields: str | list[str]) -> int:
    html = client.get(page).text
    token, key = CSRF.search(html), FORM_KEY.search(html)
    assert token is not None
    data = {"csrf": token.group(1), **fields}
    if key is not None:
        data.setdefault("form_key", key.group(1))
    return client.post(action, data=data).status_code


def test_pages_the_holder_appeals_on_its_quota_page_and_risk_decides_on_the_desk(db) -> None:
    w = make_world(db)
    creditline.set_password(db, "risk", PASSWORD, hasher=password_hasher())
    line = w.lines["alice"]
    freeze = _frozen_and_lowered(db, line)
    app = create_app(db, log_requests=False)
    alice = _signed_in(app, key=w.keys["alice"])
    page = f"/lines/{line}"
    shown = alice.get(page).text
    assert 'id="appeals"' in shown
    assert f'action="/lines/{line}/appeals"' in shown
    bad = _post(alice, page, f"/lines/{line}/appeals", reason="请恢复", amounts="12,000")
    assert bad == 303
    assert "evidence.amounts[0]" in alice.get(page).text
    assert creditline.list_appeals(db, line=line).body["data"] == []
    bob = _signed_in(app, key=w.keys["bob"])
    assert _post(bob, f"/lines/{w.lines['bob']}", f"/lines/{line}/appeals", reason="x") == 404
    sent = _post(
        alice,
        page,
        f"/lines/{line}/appeals",
        reason="退货已处理",
        amounts="18000.00 退款已处理\n",
        documents="bank_statement",
    )
    assert sent == 303
    shown = alice.get(page).text
    assert "申诉已提交" in shown
    assert "处理中" in shown
    [appeal] = creditline.list_appeals(db, line=line).body["data"]
    assert appeal["evidence"]["amounts"] == [{"amount": "18000.00", "note": "退款已处理"}]

    risk = _signed_in(app, name="risk", password=PASSWORD)
    desk = f"/ops/appeals/{appeal['id']}"
    assert appeal["id"] in risk.get("/ops/appeals").text
    assert f'action="{desk}/decision"' in risk.get(desk).text
    assert bob.get(desk).status_code == 404
    done = _post(
        risk,
        desk,
        f"{desk}/decision",
        outcome="partial",
        limit="80000.00",
        lift=[freeze],
        note="ok",
    )
    assert done == 303
    assert "申诉已处理" in risk.get(desk).text
    shown = alice.get(page).text
    assert "部分恢复" in shown
    assert "¥80,000.00" in shown
    assert creditline.show_line(db, line).body["limit"] == "80000.00"


def test_cli_appeal_submit_decide_show_and_list(db: SqlDatabase, db_url: str, tmp_path: Path):
    creditline.add_operator(db, "root", role="admin", by=None)
    root = creditline.Principal("root", role=creditline.Role.ADMIN)
    creditline.add_operator(db, "risk-li", role="risk", by=root)
    _, line = active_line(db, limit="100000.00")
    freeze = creditline.add_freeze(db, line, reason="risk", note="withdrawals", key="f").body["id"]
    evidence = tmp_path / "evidence.json"
    evidence.write_text(json.dumps({"amounts": ["1000.00"], "orders": []}), encoding="utf-8")
    args = ("appeal", "submit", line, "--reason", "请恢复", "--key", "k1")
    submitted = js(db_url, *args, "--evidence", str(evidence), process=True)
    appeal = submitted["id"]
    missing = cli(db_url, *args[:-1], "k2", "--evidence", str(tmp_path / "no.json"), check=2)
    assert "evidence" in missing.stderr + missing.stdout
    cli(db_url, *args[:-1], "k3", check=3)  # one open appeal per line
    cli(db_url, "appeal", "decide", appeal, "--outcome", "restore", "--key", "d0", check=2)
    decided = js(
        db_url,
        "appeal",
        "decide",
        appeal,
        "--outcome",
        "restore",
        "--note",
        "ok",
        "--key",
        "d1",
        "--as",
        "risk-li",
    )
    assert (decided["outcome"], decided["lifted_freezes"]) == ("restore", [freeze])
    shown = cli(db_url, "appeal", "show", appeal).stdout
    assert "operator:risk-li" in shown
    assert "decided" in shown
    listed = js(db_url, "appeal", "list", "--status", "decided")
    assert [a["id"] for a in listed["data"]] == [appeal]
