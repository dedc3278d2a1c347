"""The pages in a real browser (Debian's Chromium through Playwright), on SQLite and PostgreSQL,
served by a real uvicorn: the three journeys of issue 14. Each journey fails on any console
error, page error or axe-core (WCAG 2.1 AA) violation, and saves a screenshot of each page it
passes, in Chinese and English, as test artefacts (``tests/browser.py`` says where)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.bootstrap import password_hasher
from tests.api_helpers import World, make_world
from tests.browser import browser_tabs, live_server, sign_in_with_key, sign_in_with_password
from tests.helpers import backend_of
from tests.test_scorecard import kept_scorecard

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture
def world(db: SqlDatabase) -> World:
    return make_world(db)


def overdue_line(world: World) -> str:
    """Alice spent ¥3,000 and has not repaid it for 31 days: her line froze (R9)."""
    db, line = world.db, world.lines["alice"]
    hold = creditline.authorize(
        db, line, amount="3000.00", purpose="procurement", key="j1-hold", order="ord_j1"
    ).body["id"]
    creditline.capture(db, hold, amount=None, key="j1-capture")
    creditline.advance_clock(db, "31d")
    creditline.run_due(db)
    return line


def test_a_holder_sees_a_frozen_line_asks_why_and_the_page_changes_after_repayment(
    world: World,
) -> None:
    line = overdue_line(world)
    assert creditline.list_freezes(world.db, line).body["freezes"], "the line should be frozen"
    with live_server(world.db) as base, browser_tabs(base, "holder") as open_tab:
        tab = open_tab(phone=True)  # merchants use their phones
        sign_in_with_key(tab, world.keys["alice"], f"/lines/{line}")
        main = tab.text()
        assert "冻结记录" in main
        assert "占用超期" in main or "超期" in main, main
        assert "如何解除" in main
        tab.check_both("quota-frozen")

        tab.page.get_by_role("link", name="额度为什么用不了").first.click()
        tab.page.get_by_label("金额（元）").fill("500")
        tab.page.get_by_role("button", name="诊断").click()
        reasons = tab.page.locator("#answer .reason")
        reasons.first.wait_for()
        answer = tab.text("#answer")
        assert "occupancy_overdue" in answer, answer
        assert answer == tab.text("#answer")  # one answer, not re-rendered
        expected = creditline.why(world.db, line, amount="500", purpose="procurement").body
        assert reasons.count() == len(expected["reasons"])
        tab.check_both("why")

        # the action of the occupancy reason leads to the orders to repay
        tab.page.locator("#answer .reason a.action").first.click()
        tab.page.wait_for_url(re.compile(rf"/lines/{line}"))
        assert "ord_j1" in tab.text()

        # the platform receives the sales proceeds and repays (an operator records it)
        paid = httpx.post(
            f"{base}/v1/lines/{line}/repayments",
            json={"amount": 300000, "currency": "CNY"},
            headers={"Authorization": f"Bearer {world.keys['ops']}", "Idempotency-Key": "j1-r"},
        )
        assert paid.status_code == 200, paid.text
        tab.page.reload()
        tab.page.wait_for_load_state("networkidle")
        after = tab.text()
        assert "¥100,000.00" in tab.text(".balances .big"), after
        assert "生效中" not in after  # the freeze lifted by itself
        tab.check_both("quota-repaid")
        tab.assert_clean()


def operator_password(world: World, name: str) -> None:
    creditline.set_password(world.db, name, PASSWORD, hasher=password_hasher())


def test_the_sign_in_page_passes_axe_in_both_languages(world: World) -> None:
    operator_password(world, "risk")
    with live_server(world.db) as base, browser_tabs(base, "signin") as open_tab:
        tab = open_tab()
        tab.go("/signin")
        tab.check_both("form")
        sign_in_with_password(tab, "risk", PASSWORD, "/")
        tab.check("home")
        tab.assert_clean()


def queued_logins(world: World) -> list[str]:
    """Alice's account logs in from four new devices within an hour: the login-anomaly rule
    sends the later logins to review (R17)."""
    party = world.parties["alice"]
    for n in range(4):
        creditline.record_login(world.db, party, device=f"dev-new-{n}", ip=f"10.9.0.{n}")
    queued = creditline.queue(world.db).body["pending"]
    assert queued, "the logins should be queued for review"
    return [d["id"] for d in queued]


def test_an_operator_works_the_review_queue(world: World) -> None:
    queued = queued_logins(world)
    operator_password(world, "risk")
    with live_server(world.db) as base, browser_tabs(base, "operator-queue") as open_tab:
        tab = open_tab()
        sign_in_with_password(tab, "risk", PASSWORD, "/ops/")
        tab.check_both("dashboard")
        tab.page.get_by_role("link", name=re.compile("审核队列")).first.click()
        first = tab.page.locator(f"#decision-{queued[0]}")
        first.wait_for()
        assert "login_anomaly" in first.inner_text() or "新设备" in first.inner_text()
        tab.check_both("queue")
        first.get_by_label(re.compile("备注")).fill("客户本人换手机，已电话核实")
        first.get_by_role("button", name="批准").click()
        tab.page.wait_for_load_state("networkidle")
        assert tab.page.locator(f"#decision-{queued[0]}").count() == 0
        left = creditline.queue(world.db).body["pending"]
        assert queued[0] not in {d["id"] for d in left}
        assert len(left) == len(queued) - 1
        audit = creditline.list_audit(world.db).body["data"]
        assert any(r["actor"] == "risk" and r["target"] == queued[0] for r in audit), audit
        tab.check("queue-after")
        tab.assert_clean()


def test_an_operator_lifts_a_freeze_and_the_holder_s_page_updates(world: World) -> None:
    line = world.lines["alice"]
    creditline.add_freeze(world.db, line, reason="operator", key="j3-freeze", note="核查中")
    operator_password(world, "ops")  # lifting is the operations role's
    with live_server(world.db) as base, browser_tabs(base, "operator-freeze") as open_tab:
        holder = open_tab(phone=True)
        sign_in_with_key(holder, world.keys["alice"], f"/lines/{line}")
        assert "生效中" in holder.text()
        assert "冻结中，暂不可用" in holder.text(".balances .big")
        assert holder.page.get_by_role("status").count() == 1
        staff = open_tab()
        sign_in_with_password(staff, "ops", PASSWORD, f"/ops/lines/{line}")
        staff.check_both("line")
        staff.page.get_by_label("解除说明").first.fill("核查完毕，解除")
        staff.page.get_by_role("button", name="解除冻结").first.click()
        staff.page.wait_for_load_state("networkidle")
        assert not [
            f for f in creditline.list_freezes(world.db, line).body["freezes"] if f["in_force"]
        ]
        staff.check("line-lifted")
        holder.page.reload()
        holder.page.wait_for_load_state("networkidle")
        assert "生效中" not in holder.text()
        assert "暂不可用" not in holder.text()
        assert "¥100,000.00" in holder.text(".balances .big")
        holder.check_both("quota-lifted")
        holder.assert_clean()
        staff.assert_clean()


HOLDER_PAGES = [
    ("quota", "/lines/{line}"),
    ("why", "/lines/{line}/why?amount=500&purpose=procurement"),
    ("statements", "/lines/{line}/statements?from=2024-05-01&to=2024-06-30"),
    ("monitor", "/lines/{line}/monitor"),
    ("self-check", "/parties/{party}/self-check"),
    ("security", "/parties/{party}/security"),
    ("policy-changes", "/parties/{party}/policy-changes"),
    ("assessment", "/parties/{party}/assessment"),
]
OPERATOR_PAGES = [
    ("dashboard", "/ops/"),
    ("queue", "/ops/queue"),
    ("cases", "/ops/cases"),
    ("rings", "/ops/rings"),
    ("line", "/ops/lines/{line}"),
    ("policy", "/ops/policy"),
    ("payouts", "/ops/payouts"),
    ("webhooks", "/ops/webhooks"),
    ("scorecard", "/ops/scorecard"),
    ("assessment", "/ops/parties/{party}/assessment"),
    ("appeals", "/ops/appeals"),
    ("appeal", "/ops/appeals/{appeal}"),
    ("reviews", "/ops/reviews"),
    ("incidents", "/ops/incidents"),
    ("limit-requests", "/ops/limit-requests"),
]


def test_every_page_in_both_languages_has_no_console_error_nor_axe_violation(
    world: World, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tour of every page, holder's on a phone and operator's on a desk, with data on them:
    an overdue line, a queued login, a statement; each page's screenshot is saved.

    The whole tour runs on SQLite; on PostgreSQL, the first page of each (both sign-ins, axe,
    both languages): a page's backend is its use cases', which their own tests run on both,
    and the tour is the longest test of the suite (45 s a backend)."""
    whole = backend_of(db_url) == "sqlite"
    holder_pages, operator_pages = (
        (HOLDER_PAGES, OPERATOR_PAGES) if whole else (HOLDER_PAGES[:1], OPERATOR_PAGES[:1])
    )
    line = overdue_line(world)
    queued_logins(world)
    operator_password(world, "root")
    monkeypatch.setenv("CREDITLINE_SCORECARDS", str(tmp_path / "cards"))
    kept_scorecard(tmp_path / "cards")
    party = world.parties["alice"]
    with live_server(world.db) as base, browser_tabs(base, "tour") as open_tab:
        holder = open_tab(phone=True)
        sign_in_with_key(holder, world.keys["alice"], f"/lines/{line}")
        for step, path in holder_pages:
            holder.go(path.format(line=line, party=party))
            assert holder.page.title(), step
            holder.check_both(f"holder-{step}")
        # 申诉: the holder appeals after its tour, so the desk has one to show
        appeal = creditline.submit_appeal(world.db, line, reason="请恢复", key="tour-apl").body
        staff = open_tab()
        sign_in_with_password(staff, "root", PASSWORD, "/ops/")
        for step, path in operator_pages:
            staff.go(path.format(line=line, party=party, appeal=appeal["id"]))
            staff.check_both(f"ops-{step}")
        holder.assert_clean()
        staff.assert_clean()


def test_a_holder_asks_why_with_the_keyboard_only(world: World) -> None:
    """Keyboard use: Tab reaches the amount field, Enter submits, the answer is announced."""
    line = overdue_line(world)
    with live_server(world.db) as base, browser_tabs(base, "keyboard") as open_tab:
        tab = open_tab(phone=True)
        sign_in_with_key(tab, world.keys["alice"], f"/lines/{line}/why")
        for _ in range(40):
            tab.page.keyboard.press("Tab")
            if tab.page.evaluate("document.activeElement.id") == "amount":
                break
        else:
            raise AssertionError("Tab never reached the amount field")
        tab.page.keyboard.type("800")
        tab.page.keyboard.press("Enter")
        tab.page.locator("#answer .reason").first.wait_for()
        assert tab.page.get_attribute("#answer", "aria-live") == "polite"
        assert "occupancy_overdue" in tab.text("#answer")
        tab.assert_clean()


def test_an_operator_starts_a_ring_run_and_watches_its_progress(world: World) -> None:
    """A long job started from a page shows its progress until it is done."""
    operator_password(world, "risk")
    with live_server(world.db) as base, browser_tabs(base, "operator-job") as open_tab:
        tab = open_tab()
        sign_in_with_password(tab, "risk", PASSWORD, "/ops/jobs")
        tab.page.get_by_role("button", name="运行团伙识别").click()
        tab.page.wait_for_url(re.compile(r"/ops/jobs/[\w-]+$"))
        bar = tab.page.get_by_role("progressbar")
        bar.wait_for()
        tab.page.get_by_text("已完成").first.wait_for(timeout=60_000)
        assert tab.page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
        tab.check_both("done")
        tab.assert_clean()
