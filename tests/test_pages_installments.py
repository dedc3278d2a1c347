"""The holder's installment pages (分期购): the quota page lists each plan with its next due
date; a plan's page shows its schedule and annual rate; another holder's plan is not found."""

from __future__ import annotations

from fastapi.testclient import TestClient

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from tests.api_helpers import make_world
from tests.test_installments import shopper_and_merchant
from tests.test_pages_ops import csrf_of


def signed_in_with(db: SqlDatabase, key: str) -> TestClient:
    client = TestClient(create_app(db, log_requests=False), follow_redirects=False)
    done = client.post("/signin", data={"csrf": csrf_of(client), "key": key})
    assert done.status_code == 303
    return client


def test_the_quota_page_lists_plans_and_a_plan_page_shows_its_schedule(db: SqlDatabase) -> None:
    line, shop = shopper_and_merchant(db)
    world = make_world(db)
    shopper = str(creditline.show_line(db, line).body["party"])
    plan = creditline.purchase_installment(
        db, line, merchant=shop, order="dw-77", amount="1200.00", periods=6, key="p"
    ).body
    client = signed_in_with(db, creditline.create_key(db, party=shopper).body["key"])
    quota = client.get(f"/lines/{line}")
    assert quota.status_code == 200
    assert "分期计划" in quota.text
    assert "dw-77" in quota.text
    assert "2026-02-28" in quota.text  # the next due date
    shown = client.get(f"/lines/{line}/installments/{plan['id']}")
    assert shown.status_code == 200
    assert "14.26%" in shown.text
    assert shown.text.count("2026-0") >= 6  # every due date
    other = signed_in_with(db, world.keys["alice"])
    assert other.get(f"/lines/{line}/installments/{plan['id']}").status_code == 404
    assert other.get(f"/lines/{world.lines['alice']}/installments/{plan['id']}").status_code == 404
