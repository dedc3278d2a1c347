"""The pages of limit changes (额度调整) and increase requests (提额申请): the holder sees each
change with why and asks for more; operators set, close and reopen on the line's page and
decide referred requests at /ops/limit-requests."""

from __future__ import annotations

from pathlib import Path

import pytest

import creditline
from tests.test_dashboard import Desk
from tests.test_pages_ops import desk, holder, post_form, signed_in

__all__ = ["desk"]


@pytest.fixture(autouse=True)
def no_trained_cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLINE_SCORECARDS", str(tmp_path / "cards"))


def test_set_limit_on_the_ops_page_shows_on_the_holders_page(desk: Desk) -> None:
    line = desk.world.lines["alice"]
    ops = signed_in(desk, "ops")
    # operations may close but not set a limit: the form is not drawn, and a post is a 403
    assert 'value="set"' not in ops.get(f"/ops/lines/{line}").text
    refused = post_form(
        ops, f"/ops/lines/{line}", f"/ops/lines/{line}/limit", op="set", limit="1.00", note="x"
    )
    assert refused.status_code == 403
    risk = signed_in(desk, "risk")
    done = post_form(
        risk,
        f"/ops/lines/{line}",
        f"/ops/lines/{line}/limit",
        op="set",
        limit="30000.00",
        note="退货率偏高",
    )
    assert done.status_code == 303
    assert creditline.show_line(desk.world.db, line).body["limit"] == "30000.00"
    page = holder(desk).get(f"/lines/{line}").text
    assert "额度调整记录" in page
    assert "退货率偏高" in page


def test_a_holder_asks_for_more_and_a_referral_waits_for_risk(desk: Desk) -> None:
    line = desk.world.lines["alice"]
    alice = holder(desk)
    asked = post_form(
        alice,
        f"/lines/{line}",
        f"/lines/{line}/limit-requests",
        amount="99999999.00",
        reason="旺季备货",
    )
    assert asked.status_code == 303
    requests = creditline.list_requests(desk.world.db, line_id=line).body["requests"]
    assert len(requests) == 1
    assert "申请提额" in alice.get(f"/lines/{line}").text
    queue = signed_in(desk, "risk").get("/ops/limit-requests")
    assert queue.status_code == 200
    if requests[0]["status"] == "referred":
        assert requests[0]["id"][:8] in queue.text or line in queue.text
