"""Limit changes (额度调整): set-limit never drops below what is used, a pending reduction is
swept as quota frees, ``why`` says ``limit_reduced``; close, reopen, the ledger balances."""

from __future__ import annotations

import itertools

import pytest

import creditline
from creditline import Refused
from creditline.adapters.db.database import SqlDatabase
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import limit_admin, spending
from tests.helpers import active_line

_KEYS = itertools.count()


def _k() -> str:
    return f"k{next(_KEYS)}"


def _line(db: SqlDatabase, line: str) -> dict:
    return creditline.show_line(db, line).body


def _spend(db: SqlDatabase, line: str, amount: str) -> dict:
    key = f"s{next(_KEYS)}"
    return spending.authorize(db, line, amount=amount, purpose="procurement", key=key).body


def test_raise_and_lower_within_free_quota(db: SqlDatabase) -> None:
    _, line = active_line(db, limit="100000.00")
    up = limit_admin.set_limit(
        db, line, limit="150000.00", note="good history", actor="li", key=_k()
    ).body
    assert up["from_limit"] == "100000.00"
    assert up["to_limit"] == "150000.00"
    assert _line(db, line)["limit"] == "150000.00"
    down = limit_admin.set_limit(db, line, limit="80000.00", note="review", key=_k()).body
    assert down["pending_reduction"] == "0.00"
    b = _line(db, line)
    assert (b["limit"], b["available"]) == ("80000.00", "80000.00")
    history = limit_admin.limit_changes(db, line).body
    assert [c["kind"] for c in history["changes"]] == ["set", "set"]
    assert history["changes"][0]["actor"] == ""
    assert history["changes"][1]["actor"] == "li"


def test_lower_below_used_blocks_spending_and_sweeps_as_quota_frees(db: SqlDatabase) -> None:
    _, line = active_line(db, limit="100000.00")
    hold = _spend(db, line, "60000.00")
    assert hold["status"] == "authorized"
    down = limit_admin.set_limit(db, line, limit="40000.00", note="return rate", key=_k()).body
    # Never below what is used: the book keeps 60,000 held; 20,000 waits.
    assert down["balances"]["limit"] == "60000.00"
    assert down["balances"]["available"] == "0.00"
    assert down["pending_reduction"] == "20000.00"
    refused = _spend(db, line, "1.00")
    codes = [r["code"] for r in refused["reasons"]]
    assert codes == ["insufficient_available", "limit_reduced"]
    why = creditline.why(db, line, amount="1.00", purpose="procurement").body
    reduced = next(r for r in why["reasons"] if r["code"] == "limit_reduced")
    assert reduced["facts"]["from_limit"] == "100000.00"
    assert reduced["facts"]["to_limit"] == "40000.00"
    assert reduced["facts"]["pending_reduction"] == "20000.00"
    assert "return rate" in reduced["message_en"]
    # Voiding the hold frees 60,000: 20,000 goes back to the platform, 40,000 is available.
    spending.void(db, hold["id"], key="v1")
    b = _line(db, line)
    assert (b["limit"], b["available"]) == ("40000.00", "40000.00")
    assert _spend(db, line, "40000.00")["status"] == "authorized"
    assert verify_ledger(db).ok


def test_close_refused_while_owed_then_closed_and_reopened(db: SqlDatabase) -> None:
    m, line = active_line(db, limit="100000.00")
    hold = _spend(db, line, "1000.00")
    refused = limit_admin.close_line(db, line, note="holder asked", key=_k())
    assert refused.refused
    assert refused.body["error"]["code"] == "line_not_settled"
    assert refused.body["reasons"][0]["facts"]["held"] == "1000.00"
    spending.void(db, hold["id"], key="v1")
    closed = limit_admin.close_line(db, line, note="holder asked", key=_k()).body
    assert closed["status"] == "closed"
    assert closed["balances"]["limit"] == "0.00"
    why = creditline.why(db, line, amount="1.00", purpose="procurement").body
    assert why["reasons"][0]["code"] == "line_closed"
    assert "limit_reduced" not in [r["code"] for r in why["reasons"]]
    with pytest.raises(Refused) as again:
        limit_admin.set_limit(db, line, limit="5.00", note="x", key=_k())
    assert again.value.code == "line_closed"  # read before the key: not stored
    reopened = limit_admin.reopen_line(db, line, note="back", key=_k()).body
    assert reopened["status"] == "active"
    assert reopened["balances"]["limit"] == "100000.00"
    open_again = limit_admin.reopen_line(db, line, note="twice", key=_k())
    assert open_again.refused
    assert open_again.body["error"]["code"] == "line_not_closed"
    assert _spend(db, line, "10.00")["status"] == "authorized"
    assert verify_ledger(db).ok
    assert m


def test_bad_input_names_the_field(db: SqlDatabase) -> None:
    _, line = active_line(db)
    with pytest.raises(creditline.InvalidInput) as bad:
        limit_admin.set_limit(db, line, limit="-1.00", note="x", key=_k())
    assert bad.value.param == "limit"
    with pytest.raises(creditline.InvalidInput) as no_note:
        limit_admin.set_limit(db, line, limit="1.00", note=" ", key=_k())
    assert no_note.value.param == "note"
    assert _line(db, line)["limit"] == "100000.00"


def test_the_api_sets_closes_and_reopens_by_role_and_the_holder_sees_why(db: SqlDatabase) -> None:
    from tests.api_helpers import make_world

    w = make_world(db)
    line = w.lines["alice"]
    body = {"limit": 4000000, "note": "退货率偏高 return rate high"}
    # A holder, and operations, may not set a limit; risk may (audited).
    assert (
        w.post("alice", f"/v1/lines/{line}/limit", body, **{"Idempotency-Key": "a1"}).status_code
        == 403
    )
    assert (
        w.post("ops", f"/v1/lines/{line}/limit", body, **{"Idempotency-Key": "a2"}).status_code
        == 403
    )
    done = w.post("risk", f"/v1/lines/{line}/limit", body, **{"Idempotency-Key": "a3"})
    assert done.status_code == 200, done.text
    assert done.json()["to_limit"] == 4000000
    seen = w.get("alice", f"/v1/lines/{line}/limit_changes").json()
    assert seen["changes"][0]["reasons"][0]["zh"].startswith("平台调整")
    assert seen["changes"][0]["actor"] == "operator:risk"
    assert w.get("bob", f"/v1/lines/{line}/limit_changes").status_code == 404
    audit = creditline.list_audit(db).body
    assert any(r["action"] == "limit.set" and r["target"] == line for r in audit["data"])
    bad = w.post(
        "risk", f"/v1/lines/{line}/limit", {"limit": -1, "note": "x"}, **{"Idempotency-Key": "a4"}
    )
    assert bad.status_code == 400
    closed = w.post(
        "ops", f"/v1/lines/{line}/close", {"note": "asked"}, **{"Idempotency-Key": "c1"}
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    reopened = w.post(
        "ops",
        f"/v1/lines/{line}/reopen",
        {"note": "back", "limit": 5000000},
        **{"Idempotency-Key": "r1"},
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["balances"]["limit"] == 5000000


def test_the_cli_sets_closes_reopens_and_lists_a_line_s_limit(db: SqlDatabase) -> None:
    import json

    from typer.testing import CliRunner

    from creditline.entrypoints.cli.main import app as cli

    _, line = active_line(db, limit="100000.00")
    url = db.engine.url.render_as_string(hide_password=False)
    creditline.add_operator(db, "root", role="admin", by=None)
    root = creditline.Principal("root", role=creditline.Role.ADMIN)
    creditline.add_operator(db, "risk-li", role="risk", by=root)
    creditline.add_operator(db, "ops-wang", role="operations", by=root)

    def run_cli(*args: str) -> tuple[int, str]:
        done = CliRunner().invoke(cli, ["--db", url, *args])
        return done.exit_code, done.output

    code, out = run_cli(
        "line", "set-limit", line, "--limit", "60000.00", "--note", "复审", "--key", "c1",
        "--as", "risk-li", "--json",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["to_limit"] == "60000.00"
    code, out = run_cli(
        "line", "set-limit", line, "--limit", "1.00", "--note", "x", "--key", "c2",
        "--as", "ops-wang",
    )  # fmt: skip
    assert code == 3, out  # operations may not set a limit
    code, out = run_cli("line", "close", line, "--note", "asked", "--key", "c3", "--as", "ops-wang")
    assert code == 0, out
    code, out = run_cli("line", "reopen", line, "--note", "back", "--key", "c4", "--as", "ops-wang")
    assert code == 0, out
    code, out = run_cli("line", "limits", line)
    assert code == 0, out
    assert "reopen" in out
    assert "close" in out
    code, out = run_cli("limit", "requests", "--line", line, "--json")
    assert code == 0, out
    assert json.loads(out)["requests"] == []


# -- what a review of this work found ------------------------------------------------------------
def test_a_permanent_change_keeps_temporary_quota_on_top_and_closing_ends_it(
    db: SqlDatabase,
) -> None:
    _, line = active_line(db, limit="10000.00")
    creditline.grant_temporary_quota(db, line, amount="5000.00", days=3, note="补偿", key=_k())
    assert _line(db, line)["limit"] == "15000.00"
    set_to = limit_admin.set_limit(db, line, limit="12000.00", note="复审", key=_k()).body
    assert set_to["to_limit"] == "17000.00"  # 12,000 permanent + 5,000 temporary
    creditline.advance_clock(db, "4d")
    creditline.run_due(db)
    assert _line(db, line)["limit"] == "12000.00"
    creditline.grant_temporary_quota(db, line, amount="5000.00", days=1, note="补偿", key=_k())
    limit_admin.close_line(db, line, note="asked", key=_k())
    creditline.advance_clock(db, "2d")
    creditline.run_due(db)
    reopened = limit_admin.reopen_line(db, line, note="back", key=_k()).body
    assert reopened["balances"]["limit"] == "12000.00"  # the permanent limit, not 17,000
    assert verify_ledger(db).ok


def test_a_request_after_a_lowering_goes_to_an_operator_and_stale_approvals_are_refused(
    db: SqlDatabase,
) -> None:
    party, line = active_line(db, limit="100000.00")
    limit_admin.set_limit(db, line, limit="20000.00", note="疑似套现", key=_k())
    approving = {"party": party, "proposed_limit": "300000.00", "decision": "approve"}
    asked = creditline.request_increase(
        db, line, amount="100000.00", reason="请恢复", assessment=approving, key="rq1"
    ).body
    assert asked["status"] == "referred"
    assert "limit_lowered" in [r["code"] for r in asked["reasons"]]
    again = creditline.request_increase(
        db, line, amount="100000.00", reason="请恢复", assessment=approving, key="rq1"
    ).body
    assert again["id"] == asked["id"]  # the same key replays
    other = creditline.request_increase(
        db, line, amount="50000.00", reason="少一点", assessment=approving, key="rq2"
    ).body
    creditline.decide_request(db, asked["id"], outcome="approve", note="核实", key="d1")
    stale = creditline.decide_request(db, other["id"], outcome="approve", note="x", key="d2")
    assert stale.refused
    assert stale.body["error"]["code"] == "request_stale"
    assert _line(db, line)["limit"] == "100000.00"


def test_why_counts_from_below_zero_while_a_reduction_waits(db: SqlDatabase) -> None:
    _, line = active_line(db, limit="100000.00")
    first = _spend(db, line, "30000.00")
    creditline.advance_clock(db, "1h")
    second = _spend(db, line, "30000.00")
    limit_admin.set_limit(db, line, limit="50000.00", note="复审", key=_k())
    shown = _line(db, line)
    assert shown["available"] == "0.00"
    why = creditline.why(db, line, amount="25000.00", purpose="procurement").body
    short = next(r for r in why["reasons"] if r["code"] == "insufficient_available")
    # the first expiry frees 30,000, of which 10,000 goes back to the platform: 20,000 is not
    # enough; the second expiry is when 25,000 can be spent
    assert short["clears_at"] == second["expires_at"]
    assert short["clears_at"] != first["expires_at"]


def test_a_temporary_quota_above_the_policy_cap_is_refused_and_changes_nothing(
    db: SqlDatabase,
) -> None:
    _, line = active_line(db, limit="10000.00")
    with pytest.raises(creditline.InvalidInput) as too_much:
        creditline.grant_temporary_quota(
            db, line, amount="100000.01", days=3, note="补偿", key=_k()
        )
    assert too_much.value.param == "amount"
    assert _line(db, line)["limit"] == "10000.00"
    creditline.set_policy(db, "temporary_quota_max", "200000.00", effective="now")
    creditline.grant_temporary_quota(db, line, amount="100000.01", days=3, note="补偿", key=_k())
    assert _line(db, line)["limit"] == "110000.01"
