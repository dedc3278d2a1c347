"""The pages in a real browser (Debian's Chromium through Playwright), on SQLite and PostgreSQL,
served by a real uvicorn: the three journeys of issue 14. Each journey fails on any console
error, page error or axe-core (WCAG 2.1 AA) violation, and saves a screenshot of each page it
passes, in Chinese and English, as test artefacts (``tests/browser.py`` says where)."""

from __future__ import annotations

import re

import httpx
import pytest

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.bootstrap import password_hasher
from tests.api_helpers import World, make_world
from tests.browser import browser_tabs, live_server, sign_in_with_key, sign_in_with_password

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
