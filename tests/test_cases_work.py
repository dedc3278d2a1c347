"""Cases (工单) are worked: assigned, handed over, closed, each step kept with who, when, why."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.access.roles import Principal, Role
from creditline.domain.errors import StorageError
from creditline.service import sandbox_clock as clock
from creditline.service.access import operators
from creditline.service.cases import case_work
from creditline.service.due_jobs import run_due
from creditline.service.event_log import list_events
from creditline.service.settlement import funds
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.helpers import active_line, cli, js


def staff(db: SqlDatabase) -> None:
    """Operators who work cases (R28), added by an admin, boss."""
    operators.add_operator(db, "boss", role="admin", by=None)
    for name in ("ops-zhang", "ops-li", "ops-wang"):
        operators.add_operator(db, name, role="operations", by=Principal("boss", role=Role.ADMIN))


def failed_payout_case(db: SqlDatabase) -> str:
    """衣尚坊's supplier payout fails three times: compensated, and a case is opened."""
    clock.set_clock(db, "2024-09-27T11:00:00+08:00")
    m, _ = active_line(db, "衣尚坊", limit="500000.00")
    core = splits.add_supplier(db, m, name="杭州织造", tier="core", account="6222-S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:70,repayment:30")
    orders.add_order(db, m, order_id="TB1", amount="10000.00", buyer="b")
    orders.ship_order(db, "TB1")
    orders.confirm_order(db, "TB1")
    funds.fail_payouts(db, count=3, error="channel_error")
    run_due(db)
    for wait in ("10m", "30m"):
        clock.advance_clock(db, wait)
        run_due(db)
    [case] = funds.list_cases(db).body["data"]
    return str(case["id"])


def test_ops_take_a_failed_payout_case_hand_it_over_and_close_it_with_a_note(
    db: SqlDatabase, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = failed_payout_case(db)
    staff(db)
    monkeypatch.delenv("CREDITLINE_OPERATOR", raising=False)
    taken = js(db_url, "cases", "assign", case, "--to", "ops-li", "--as", "ops-zhang")
    assert (taken["status"], taken["assignee"]) == ("open", "ops-li")
    # ops-li hands it over; who is acting comes from the environment.
    monkeypatch.setenv("CREDITLINE_OPERATOR", "ops-li")
    handed = js(db_url, "cases", "assign", case, "--to", "ops-wang", "--note", "渠道侧跟进")
    assert handed["assignee"] == "ops-wang"
    closed = js(
        db_url, "cases", "close", case, "--note", "补偿已到账，商家确认", "--as", "ops-wang"
    )
    assert closed["status"] == "closed"

    shown = js(db_url, "cases", "show", case, process=True)  # the real script, once
    steps = [(s["action"], s["by"], s["assignee"], s["note"]) for s in shown["history"]]
    assert steps == [
        ("opened", "creditline", None, "payout_failed"),
        ("assigned", "ops-zhang", "ops-li", ""),
        ("assigned", "ops-li", "ops-wang", "渠道侧跟进"),
        ("closed", "ops-wang", None, "补偿已到账，商家确认"),
    ]
    assert all(s["at"] for s in shown["history"])
    assert shown["details"]["last_error"] == "channel_error"
    assert js(db_url, "cases", "list")["data"][0]["status"] == "closed"
    events = [e["type"] for e in list_events(db, limit=1000).body["data"]]
    assert events.count("case.assigned") == 2
    assert events.count("case.closed") == 1

    # A closed case stays closed: closing or assigning it again is refused, naming who closed.
    again = js(db_url, "cases", "close", case, "--note", "再关一次", check=3)
    assert again["error"]["code"] == "case_closed"
    assert again["reasons"][0]["facts"]["closed_by"] == "ops-wang"
    assert js(db_url, "cases", "assign", case, "--to", "ops-li", check=3)["error"]["code"] == (
        "case_closed"
    )
    assert len(js(db_url, "cases", "show", case)["history"]) == 4  # nothing was added


def test_bad_case_requests_exit_2_and_change_nothing(
    db: SqlDatabase, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = failed_payout_case(db)
    staff(db)
    monkeypatch.delenv("CREDITLINE_OPERATOR", raising=False)
    assert js(db_url, "cases", "show", "case_nope", check=2)["error"]["param"] == "case"
    assert js(db_url, "cases", "close", "case_nope", "--note", "x", "--as", "ops-li", check=2)
    assert cli(db_url, "cases", "close", case, "--note", "done", check=2).returncode == 2  # no --as
    no_note = js(db_url, "cases", "close", case, "--note", " ", "--as", "ops-li", check=2)
    assert no_note["error"]["param"] == "note"
    assert js(db_url, "cases", "assign", case, "--to", "ops\nli", "--as", "ops-li", check=2)
    # Only an operator with a role that works cases may: not one unknown, not an admin.
    assert js(db_url, "cases", "close", case, "--note", "x", "--as", "x", check=3)
    admin = js(db_url, "cases", "close", case, "--note", "x", "--as", "boss", check=3)
    assert admin["error"]["required_roles"] == ["operations", "risk"]
    assert case_work.show_case(db, case).body["history"][1:] == []
    assert case_work.show_case(db, case).body["status"] == "open"


def test_a_case_step_is_replayed_by_its_key_and_the_history_cannot_be_edited(
    db: SqlDatabase,
) -> None:
    case = failed_payout_case(db)
    first = case_work.assign_case(db, case, to="ops-li", by="ops-zhang", key="a1")
    assert case_work.assign_case(db, case, to="ops-li", by="ops-zhang", key="a1") == first
    assert len(case_work.show_case(db, case).body["history"]) == 2
    for statement in ("UPDATE case_history SET actor = 'someone'", "DELETE FROM case_history"):
        with (
            pytest.raises(StorageError, match="case_history is append-only"),
            db.transaction() as uow,
        ):
            uow.session.execute(text(statement))  # type: ignore[attr-defined]
    assert case_work.show_case(db, case).body["history"][1]["by"] == "ops-zhang"
