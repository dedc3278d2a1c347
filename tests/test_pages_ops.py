"""The operator desk's pages (/ops/) through FastAPI's TestClient on SQLite and PostgreSQL:
the gate (sign-in redirect, a holder's 404, a role's 403), the dashboard, the review queue
(approve with a note, audited like the API), a line's full picture with freezes added and
lifted (the holder's page follows), the audit trail by role, policy at a time, payouts,
webhooks, cases, rings drawn as SVG, and long jobs with their progress."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from fastapi.testclient import TestClient

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from creditline.entrypoints.bootstrap import password_hasher
from creditline.entrypoints.pages.jobs import MAX_JOBS, Jobs
from tests.api_helpers import make_world
from tests.test_dashboard import Desk, seed_desk

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')


@pytest.fixture
def desk(db: SqlDatabase) -> Desk:
    found = seed_desk(make_world(db))
    for name in ("root", "ops", "risk"):
        creditline.set_password(db, name, PASSWORD, hasher=password_hasher())
    return found


def browser(desk: Desk) -> TestClient:
    return TestClient(create_app(desk.world.db, log_requests=False), follow_redirects=False)


def csrf_of(client: TestClient, path: str = "/signin") -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def signed_in(desk: Desk, name: str) -> TestClient:
    client = browser(desk)
    done = client.post(
        "/signin", data={"csrf": csrf_of(client), "name": name, "password": PASSWORD}
    )
    assert done.status_code == 303
    return client


def holder(desk: Desk, who: str = "alice") -> TestClient:
    client = browser(desk)
    done = client.post("/signin", data={"csrf": csrf_of(client), "key": desk.world.keys[who]})
    assert done.status_code == 303
    return client


def post_form(client: TestClient, page: str, action: str, **fields: str) -> httpx.Response:
    """Post a form of ``page`` with its CSRF token and its first form key."""
    html = client.get(page).text
    token = CSRF.search(html)
    key = FORM_KEY.search(html)
    assert token is not None
    data = {"csrf": token.group(1), **fields}
    if key is not None:
        data.setdefault("form_key", key.group(1))
    return client.post(action, data=data)


def test_the_desk_is_gated_as_the_api_is(desk: Desk) -> None:
    nobody = browser(desk)
    for path in ("/ops/", "/ops/queue", "/ops/rings", f"/ops/lines/{desk.world.lines['bob']}"):
        answer = nobody.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/signin?next={path}"
    alice = holder(desk)
    for path in ("/ops/", "/ops/queue", "/ops/cases", f"/ops/lines/{desk.world.lines['alice']}"):
        assert alice.get(path).status_code == 404
    ops = signed_in(desk, "ops")
    assert ops.get("/ops/").status_code == 200
    forbidden = ops.get("/ops/webhooks")  # webhooks.write: admin only, as GET /v1/webhook_endpoints
    assert forbidden.status_code == 403
    assert "admin" in forbidden.text
    decided = post_form(
        ops, "/ops/queue", f"/ops/queue/{desk.decision}", outcome="approve", note="x"
    )
    assert decided.status_code == 403  # risk.decide: risk only
    assert creditline.queue(desk.world.db).body["count"] == 1
    risk = signed_in(desk, "risk")
    lift = post_form(risk, "/ops/", f"/ops/freezes/{desk.freeze}/lift", note="no")
    assert lift.status_code == 403  # freeze.lift: operations only
    assert signed_in(desk, "root").get("/ops/webhooks").status_code == 200


def test_the_dashboard_shows_counts_and_links_to_lines(desk: Desk) -> None:
    page = signed_in(desk, "ops").get("/ops/")
    assert page.status_code == 200
    text = page.text
    assert f'href="/ops/lines/{desk.world.lines["alice"]}"' in text
    assert "¥1,234.56" in text
    assert "po_desk1" in text
    assert "审核积压" in text
    assert 'href="/ops/queue"' in text
    english = signed_in(desk, "ops").get("/ops/?lang=en").text
    assert "Authorisations today" in english
    home = signed_in(desk, "ops").get("/").text
    assert 'href="/ops/"' in home
    assert 'href="/ops/"' not in holder(desk).get("/").text


def test_the_model_page_shows_the_live_model_card(desk: Desk) -> None:
    page = signed_in(desk, "risk").get("/ops/model")
    assert page.status_code == 200
    assert "风控模型" in page.text
    assert "v0" in page.text
    assert "<code>ring_member</code>" in page.text or "<code>near_threshold</code>" in page.text
    assert "Strongest features" in signed_in(desk, "risk").get("/ops/model?lang=en").text
    assert holder(desk).get("/ops/model").status_code in {303, 403, 404}  # not for holders


def test_an_operator_works_the_review_queue(desk: Desk) -> None:
    risk = signed_in(desk, "risk")
    page = risk.get("/ops/queue")
    assert f'id="decision-{desk.decision}"' in page.text
    assert ">批准</button>" in page.text
    assert ">拒绝</button>" in page.text
    assert "big_spend" in page.text
    assert "<code>amount</code>" in page.text  # the features it was scored on
    assert "图谱证据" in page.text  # the graph evidence around the party (issue 17)
    assert desk.ring in page.text or "未发现所在团伙" in page.text
    english = risk.get("/ops/queue?lang=en").text
    assert "Approve</button>" in english
    assert "Graph evidence" in english
    risk.get("/ops/queue?lang=zh")
    no_note = post_form(risk, "/ops/queue", f"/ops/queue/{desk.decision}", outcome="approve")
    assert no_note.status_code == 303
    assert "请填写备注" in risk.get("/ops/queue").text
    assert creditline.queue(desk.world.db).body["count"] == 1
    done = post_form(
        risk, "/ops/queue", f"/ops/queue/{desk.decision}", outcome="approve", note="known buyer"
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/ops/queue"
    after = risk.get("/ops/queue").text
    assert f"已批准: {desk.decision}" in after
    assert "审核队列已清空" in after
    assert f'id="decision-{desk.decision}"' not in after
    records = creditline.list_audit(desk.world.db).body["data"]
    decided = [r for r in records if r["action"] == "risk.decide"]
    assert [(r["actor"], r["target"], r["note"], r["outcome"]) for r in decided] == [
        ("risk", desk.decision, "known buyer", "committed")
    ]
    again = risk.post(
        f"/ops/queue/{desk.decision}",
        data={"csrf": csrf_of(risk, "/ops/queue"), "outcome": "decline", "note": "late"},
    )
    assert again.status_code == 303
    assert 'class="flash error"' in risk.get("/ops/queue").text  # not pending: said, not done


def test_an_operator_lifts_a_freeze_and_the_holders_page_updates(desk: Desk) -> None:
    w = desk.world
    bob_line = w.lines["bob"]
    bob = holder(desk, "bob")
    assert "生效中" in bob.get(f"/lines/{bob_line}").text
    ops = signed_in(desk, "ops")
    page = ops.get(f"/ops/lines/{bob_line}")
    assert page.status_code == 200
    assert f'action="/ops/freezes/{desk.freeze}/lift"' in page.text
    assert ">解除冻结</button>" in page.text
    assert "审计记录仅限管理员与风控角色查看" in page.text  # operations: no audit.read
    empty = post_form(ops, f"/ops/lines/{bob_line}", f"/ops/freezes/{desk.freeze}/lift", note=" ")
    assert empty.status_code == 303
    assert "请填写备注" in ops.get(f"/ops/lines/{bob_line}").text
    lifted = post_form(
        ops, f"/ops/lines/{bob_line}", f"/ops/freezes/{desk.freeze}/lift", note="paid back"
    )
    assert lifted.status_code == 303
    assert lifted.headers["location"] == f"/ops/lines/{bob_line}"
    assert f"已解除冻结: {desk.freeze}" in ops.get(f"/ops/lines/{bob_line}").text
    assert "生效中" not in bob.get(f"/lines/{bob_line}").text
    added = post_form(
        ops,
        f"/ops/lines/{bob_line}",
        f"/ops/lines/{bob_line}/freezes",
        reason="dispute",
        amount="50.00",
        hours="24",
        note="order dispute",
    )
    assert added.status_code == 303
    assert "已冻结" in ops.get(f"/ops/lines/{bob_line}").text
    assert "生效中" in bob.get(f"/lines/{bob_line}").text
    trail = signed_in(desk, "root").get(f"/ops/lines/{bob_line}").text
    assert "freeze.lift" in trail
    assert "paid back" in trail
    assert "freeze.add" in trail
    assert "freeze.lifted" in trail  # the line's events
    assert ops.get("/ops/lines/line_0000000000000000").status_code == 404
    assert ops.get(f"/ops/lines?id={bob_line}").headers["location"] == f"/ops/lines/{bob_line}"
    assert ops.get("/ops/lines?id=nope").status_code == 404
    bad = post_form(ops, "/ops/", "/ops/freezes/frz_nothing/lift", note="x")
    assert bad.status_code == 404
    bad_hours = post_form(
        ops, f"/ops/lines/{bob_line}", f"/ops/lines/{bob_line}/freezes", hours="x", note="n"
    )
    assert bad_hours.status_code == 303
    assert "hours" in ops.get(f"/ops/lines/{bob_line}").text


def test_a_form_without_its_csrf_token_changes_nothing(desk: Desk) -> None:
    ops = signed_in(desk, "ops")
    sent = ops.post(f"/ops/freezes/{desk.freeze}/lift", data={"note": "x", "csrf": "wrong"})
    assert sent.status_code == 403
    freezes = creditline.list_freezes(desk.world.db, desk.world.lines["bob"]).body["freezes"]
    assert freezes[0]["in_force"] is True


def test_policy_at_a_time_payouts_webhooks_and_cases(desk: Desk) -> None:
    root = signed_in(desk, "root")
    policy = root.get("/ops/policy?at=2024-05-01T10:00")
    assert policy.status_code == 200
    assert "2024-05-01 10:00" in policy.text
    assert "large_spend_threshold" in policy.text
    assert root.get("/ops/policy?at=yesterday").status_code == 400
    payouts = root.get("/ops/payouts").text
    assert "po_desk1" in payouts
    assert "timeout" in payouts
    creditline.add_endpoint(desk.world.db, "https://example.com/hook", ["freeze.added"])
    hooks = root.get("/ops/webhooks").text
    assert "https://example.com/hook" in hooks
    cases = root.get("/ops/cases").text
    assert f'href="/ops/cases/{desk.case}"' in cases
    case = root.get(f"/ops/cases/{desk.case}")
    assert case.status_code == 200
    refused = post_form(root, f"/ops/cases/{desk.case}", f"/ops/cases/{desk.case}/assign", to="x")
    assert refused.status_code == 403  # case.write: risk or operations, not admin
    ops = signed_in(desk, "ops")
    assigned = post_form(
        ops, f"/ops/cases/{desk.case}", f"/ops/cases/{desk.case}/assign", to="risk"
    )
    assert assigned.status_code == 303
    assert "已指派" in ops.get(f"/ops/cases/{desk.case}").text
    risk = signed_in(desk, "risk")
    closed = post_form(
        risk, f"/ops/cases/{desk.case}", f"/ops/cases/{desk.case}/close", note="done"
    )
    assert closed.status_code == 303
    shown = creditline.show_case(desk.world.db, desk.case).body
    assert shown["status"] == "closed"
    assert shown["assignee"] == "risk"
    assert root.get("/ops/cases/case_missing").status_code == 404


def test_rings_are_drawn_as_svg_with_a_title_a_legend_and_a_table(desk: Desk) -> None:
    page = signed_in(desk, "risk").get("/ops/rings")
    assert page.status_code == 200
    text = page.text
    assert "<svg" in text
    assert "<title" in text
    assert 'class="node-member"' in text
    assert 'class="node-identifier node-device"' in text
    assert "edge-spend" in text
    assert "edge-money_back" in text
    assert "dev-shared-1" in text
    assert "¥300.00" in text  # the table fallback
    assert "运行团伙识别" in text


def wait_for(client: TestClient, path: str) -> str:
    for _ in range(200):
        text = client.get(path).text
        if 'aria-valuenow="100"' in text or "ops_failed" in text or "失败" in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{path} did not finish")


def test_long_jobs_run_in_the_background_and_show_their_progress(desk: Desk) -> None:
    risk = signed_in(desk, "risk")
    assert "本进程还没有任务" in risk.get("/ops/jobs").text
    started = post_form(risk, "/ops/jobs", "/ops/jobs", kind="rings")
    assert started.status_code == 303
    job = started.headers["location"]
    assert job.startswith("/ops/jobs/job_")
    first = risk.get(job).text
    assert 'role="progressbar"' in first
    done = wait_for(risk, job)
    assert 'hx-trigger="every 1s"' not in done
    assert 'href="/ops/rings"' in done
    partial = risk.get(job, headers={"HX-Request": "true"}).text
    assert "<html" not in partial
    assert 'role="progressbar"' in partial
    back = post_form(risk, "/ops/jobs", "/ops/jobs", kind="backtest")
    tested = wait_for(risk, back.headers["location"])
    assert "big_spend" in tested  # the rule that fired, before and after
    listed = risk.get("/ops/jobs").text
    assert job.removeprefix("/ops/jobs/") in listed
    actions = [r["action"] for r in creditline.list_audit(desk.world.db).body["data"]]
    assert actions.count("risk.analyse") == 2  # both audited as the API's are
    assert post_form(risk, "/ops/jobs", "/ops/jobs", kind="nope").status_code == 303
    assert risk.get("/ops/jobs/job_missing").status_code == 404
    ops = signed_in(desk, "ops")
    assert post_form(ops, "/ops/jobs", "/ops/jobs", kind="rings").status_code == 403


def test_batch_analytics_run_as_a_long_job_and_show_their_tables(desk: Desk) -> None:
    """Issue 18: the desk runs the batch jobs on DuckDB, as the CLI and the API do."""
    risk = signed_in(desk, "risk")
    assert "运行批量分析" in risk.get("/ops/jobs").text
    started = post_form(risk, "/ops/jobs", "/ops/jobs", kind="analytics")
    done = wait_for(risk, started.headers["location"])
    assert "duckdb" in done
    for job in creditline.analytics_jobs():
        assert f'id="an-{job["name"]}"' in done, job["name"]
    assert "¥" in done  # limits and amounts in yuan, not fen
    english = risk.get(started.headers["location"] + "?lang=en").text
    assert "limit reviews: each line" in english
    actions = [r["action"] for r in creditline.list_audit(desk.world.db).body["data"]]
    assert actions.count("risk.analyse") == 1  # audited as the API's run is


def test_the_job_registry_is_bounded_and_reports_failures() -> None:
    jobs = Jobs()
    first = jobs.start("rings", "risk", lambda report: {"n": 1})
    for _ in range(100):
        if first.status != "running":
            break
        time.sleep(0.01)
    assert (first.status, first.percent) == ("done", 100)
    broken = jobs.start("rings", "risk", lambda report: {"n": 1 // 0})
    for _ in range(100):
        if broken.status != "running":
            break
        time.sleep(0.01)
    assert broken.status == "failed"
    assert "ZeroDivisionError" in (broken.error or "")
    for _ in range(MAX_JOBS + 5):
        done = jobs.start("rings", "risk", lambda report: (report(1, 2, "x"), {})[1])
        while done.status == "running":
            time.sleep(0.001)
    assert len(jobs.recent()) <= MAX_JOBS
    assert jobs.get(first.id) is None  # the oldest finished are forgotten first
