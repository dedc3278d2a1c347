"""Settlement stories: orders, split settlement, a failing channel, compensation, withdrawals."""

from __future__ import annotations

import ast
import csv
import inspect
import io
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from openpyxl import load_workbook

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.spreadsheets import statement_csv, statement_xlsx
from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.settlement.splits import Share, ShareKind, allocate
from creditline.service import policy_admin
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.event_log import list_events
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from creditline.service.quota import why as diagnosis
from creditline.service.settlement import funds, statements
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.strategies import BASIS_POINTS, SPLIT_AMOUNTS


def merchant(db: SqlDatabase, at: str = "2024-09-27T11:00:00+08:00") -> tuple[str, str]:
    clock.set_clock(db, at)
    m = parties.add_party(db, kind="merchant", name="衣尚坊", category="apparel").body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="6222")
    line = lines.open_line(db, m, product="merchant_bnpl", limit="500000.00").body["id"]
    lines.activate_line(db, line)
    return m, line


def occupy(db: SqlDatabase, line: str, amount: str, order: str) -> None:
    hold = spending.authorize(
        db, line, amount=amount, purpose="procurement", key=f"a-{order}", order=order
    )
    spending.capture(db, hold.body["id"], amount=None, key=f"c-{order}")


def sale(db: SqlDatabase, m: str, order: str, amount: str) -> None:
    orders.add_order(db, m, order_id=order, amount=amount, buyer="b")
    orders.ship_order(db, order)
    orders.confirm_order(db, order)


# -- allocation -------------------------------------------------------------------------------
@given(amount=SPLIT_AMOUNTS, bps=BASIS_POINTS)
def test_a_split_neither_loses_nor_creates_a_fen(amount: int, bps: list[int]) -> None:
    shares = [Share(ShareKind.MERCHANT, b) for b in bps]
    shares.append(Share(ShareKind.REPAYMENT, 10_000 - sum(bps)))
    parts = allocate(amount, shares)
    assert sum(parts) == amount
    for share, part in zip(shares, parts, strict=True):
        exact = amount * share.bp / 10_000  # a bound check only; the split itself is integers
        assert abs(part - exact) < 1


# -- split rules ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rule",
    [
        "repayment:40,merchant:50",  # 90%
        "repayment:40,supplier:sup_nope:50,merchant:10",  # not whitelisted
        "repayment:forty,merchant:60",  # syntax
        "repayment:40,repayment:60",  # twice
        "repayment:40.125,merchant:59.875",  # over two decimals
    ],
)
def test_a_bad_split_rule_is_refused_and_nothing_changes(db, rule: str) -> None:
    m, _ = merchant(db)
    splits.set_split_rule(db, m, rule="repayment:100")
    with pytest.raises(InvalidInput) as bad:
        splits.set_split_rule(db, m, rule=rule)
    assert bad.value.param == "rule"
    assert splits.set_split_rule(db, m, rule="repayment:100").body["version"] == 2


def test_an_ordinary_supplier_takes_less_than_30_percent_a_core_one_more_than_60(db) -> None:
    m, _ = merchant(db)
    core = splits.add_supplier(db, m, name="核心", tier="core", account="A1").body["id"]
    ordinary = splits.add_supplier(db, m, name="普通", tier="ordinary", account="A2").body["id"]
    for pct in ("31", "30"):
        with pytest.raises(InvalidInput) as refused:
            splits.set_split_rule(
                db, m, rule=f"supplier:{ordinary}:{pct},repayment:{100 - int(pct)}"
            )
        assert f"supplier:{ordinary}:{pct}" in refused.value.message
    ok = splits.set_split_rule(
        db, m, rule=f"supplier:{core}:65,supplier:{ordinary}:29.99,repayment:5.01"
    ).body
    assert ok["version"] == 1


def test_zero_percent_to_repayment_is_accepted_and_why_says_the_quota_wont_come_back(db):
    m, line = merchant(db)
    body = splits.set_split_rule(db, m, rule="merchant:100").body
    assert [w["code"] for w in body["warnings"]] == ["split_no_repayment"]
    why = diagnosis.why(db, line, amount="1.00", purpose="procurement").body
    assert why["ok"]
    assert [w["code"] for w in why["warnings"]] == ["split_no_repayment"]


# -- the split window ---------------------------------------------------------------------------
def test_a_confirmation_in_the_national_day_holiday_is_split_when_work_resumes(db) -> None:
    m, line = merchant(db, at="2024-10-01T12:00:00+08:00")
    occupy(db, line, "1000.00", "PO1")
    sale(db, m, "TB1", "800.00")
    assert orders.show_order(db, "TB1").body["split_due_at"] == "2024-10-08T10:00:00+08:00"
    assert run_due(db).body["splits"] == []
    clock.set_clock(db, "2024-10-08T10:00:00+08:00")
    done = run_due(db).body["splits"]
    assert [s["order"] for s in done] == ["TB1"]
    assert lines.show_line(db, line).body["occupied"] == "200.00"  # repaid oldest first
    assert orders.show_order(db, "TB1").body["split_done"]


def test_a_confirmation_at_night_waits_for_ten_oclock(db) -> None:
    m, _ = merchant(db, at="2024-05-06T22:30:00+08:00")
    sale(db, m, "TB2", "100.00")
    assert orders.show_order(db, "TB2").body["split_due_at"] == "2024-05-07T10:00:00+08:00"


# -- the failing channel ----------------------------------------------------------------------
def test_yishangfang_supplier_payout_fails_three_times_is_compensated_and_paid_next_window(db):
    m, line = merchant(db)
    core = splits.add_supplier(db, m, name="杭州织造", tier="core", account="6222-S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:60,repayment:30,merchant:10")
    occupy(db, line, "50000.00", "PO1")
    sale(db, m, "TB1", "10000.00")
    funds.fail_payouts(db, count=3, error="insufficient_balance")
    first = run_due(db).body
    assert first["splits"][0]["parts"] == [
        {"to": f"supplier:{core}", "amount": "6000.00"},
        {"to": "repayment", "amount": "3000.00"},
        {"to": "merchant", "amount": "1000.00"},
    ]
    for wait in ("10m", "30m"):
        clock.advance_clock(db, wait)
        run_due(db)
    payout = funds.list_payouts(db, m).body["data"][0]
    assert (payout["status"], payout["failures_in_row"], payout["compensated"]) == (
        "pending",
        3,
        True,
    )
    cases = funds.list_cases(db).body["data"]
    assert [(c["kind"], c["subject"]) for c in cases] == [("payout_failed", payout["id"])]
    assert cases[0]["details"]["compensation"] == "500.00"
    assert payout["next_attempt_at"] == "2024-09-29T10:00:00+08:00"  # Sunday, a 调休 workday
    clock.set_clock(db, "2024-09-29T10:00:00+08:00")
    paid = run_due(db).body["payouts"]
    assert paid == [{"payout": payout["id"], "attempt": 4, "outcome": "paid"}]
    assert lines.show_line(db, line).body["occupied"] == "47000.00"
    types = [e["type"] for e in list_events(db, limit=1000).body["data"]]
    for expected in (
        "order.confirmed",
        "split.executed",
        "payout.failed",
        "compensation.paid",
        "case.opened",
        "payout.paid",
    ):
        assert expected in types
    assert verify_ledger(db).ok
    assert statements.reconcile(db, day="2024-09-29").body["ok"]


def test_a_timeout_after_the_channel_paid_is_never_paid_twice(db) -> None:
    m, _ = merchant(db)
    core = splits.add_supplier(db, m, name="核心", tier="core", account="6222-S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:100")
    sale(db, m, "TB1", "300.00")
    funds.fail_payouts(db, count=1, error="timeout")
    run_due(db)
    day = statements.reconcile(db, day="2024-09-27").body
    assert [x["problem"] for x in day["mismatches"]] == ["missing_in_ledger"]
    clock.advance_clock(db, "10m")
    again = run_due(db).body["payouts"]
    assert again[0]["outcome"] == "paid"
    assert statements.reconcile(db, day="2024-09-27").body["ok"]
    assert funds.list_payouts(db, m).body["data"][0]["status"] == "paid"
    clock.advance_clock(db, "1d")
    assert run_due(db).body["payouts"] == []  # nothing left to pay
    assert verify_ledger(db).ok


# -- withdrawals --------------------------------------------------------------------------------
def test_a_balance_settled_on_30_september_is_withdrawable_on_8_october(db) -> None:
    m, _ = merchant(db, at="2024-09-30T11:00:00+08:00")
    splits.set_split_rule(db, m, rule="merchant:100")
    sale(db, m, "TB1", "2000.00")
    run_due(db)
    clock.set_clock(db, "2024-10-07T15:00:00+08:00")
    refused = funds.withdraw(db, m, amount="2000.00", key="w1")
    assert refused.refused
    reason = refused.body["reasons"][0]
    assert reason["code"] == "funds_not_yet_available"
    assert reason["facts"]["available_on"] == "2024-10-08"
    assert funds.withdraw(db, m, amount="2000.00", key="w1").body == refused.body  # replay
    clock.set_clock(db, "2024-10-08T09:00:00+08:00")
    ok = funds.withdraw(db, m, amount="2000.00", key="w2")
    assert not ok.refused
    assert run_due(db).body["payouts"][0]["outcome"] == "paid"
    assert verify_ledger(db).ok


def test_the_credit_line_itself_can_never_be_withdrawn(db) -> None:
    m, line = merchant(db)
    assert lines.show_line(db, line).body["available"] == "500000.00"
    refused = funds.withdraw(db, m, amount="0.01", key="w")
    assert refused.refused
    assert refused.body["reasons"][0]["code"] == "insufficient_balance"
    assert lines.show_line(db, line).body["available"] == "500000.00"
    cash = spending.authorize(db, line, amount="100.00", purpose="withdraw_cash", key="x")
    assert cash.refused


def test_no_code_path_leads_from_quota_to_a_withdrawal() -> None:
    """The withdrawal moves only the merchant's balance and never reads a line."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(funds.withdraw)))
    accounts = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Account"
    }
    assert accounts == {"MERCHANT_BALANCE", "WITHDRAWAL_PAYABLE"}
    calls = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not calls & {"lock_line", "read_line", "get_line", "open_occupancies", "post"}


# -- returns, dunning, statements ---------------------------------------------------------------
def test_a_part_return_before_the_split_lowers_the_proceeds_and_after_7_days_is_refused(db):
    m, _ = merchant(db)
    splits.set_split_rule(db, m, rule="merchant:100")
    orders.add_order(db, m, order_id="TB1", amount="500.00")
    orders.ship_order(db, "TB1")
    orders.confirm_order(db, "TB1")
    assert orders.return_order(db, "TB1", amount="200.00").body["proceeds"] == "300.00"
    with pytest.raises(InvalidInput):
        orders.return_order(db, "TB1", amount="300.01")
    run_due(db)
    clock.advance_clock(db, "7d1m")  # past the after-sale days (售后, 7天无理由)
    with pytest.raises(Refused) as late:
        orders.return_order(db, "TB1", amount="1.00")
    assert late.value.code == "after_sale_closed"
    assert verify_ledger(db).ok


def test_an_unconfirmed_order_is_reminded_escalated_and_flagged(db) -> None:
    m, _ = merchant(db)
    # Longer than the legal flag's 15 days, so that no automatic confirmation ends the dunning.
    policy_admin.set_policy(db, "auto_confirm_days", "30", effective="now")
    orders.add_order(db, m, order_id="TB9", amount="100.00")
    orders.ship_order(db, "TB9")
    stages = []
    for wait in ("3d", "4d", "8d", "1d"):
        clock.advance_clock(db, wait)
        stages += [d["stage"] for d in run_due(db).body["dunning"]]
    assert stages == ["reminder", "escalated", "legal"]
    assert orders.show_order(db, "TB9").body["dunning"] == "legal"


def test_a_statement_lists_every_movement_with_orders_and_opens_in_excel(db, tmp_path: Path):
    _, line = merchant(db)
    occupy(db, line, "1000.00", "PO7")
    spending.repay(db, line, amount="400.00", key="r")
    body = statements.statement(db, line, start="2024-09-27", end="2024-09-27").body
    assert [r["type"] for r in body["rows"]] == ["grant", "authorize", "capture", "repay"]
    assert body["rows"][2]["order"] == "PO7"
    assert body["rows"][-1]["occupied"] == "600.00"
    rows = list(csv.reader(io.StringIO(statement_csv(body["rows"]))))
    assert rows[0][0] == "时间（北京时间）"
    assert len(rows) == 5
    target = tmp_path / "s.xlsx"
    statement_xlsx(body, target)
    sheet = load_workbook(target).active
    assert sheet["D2"].value == "订单号"
    assert sheet["H6"].value == 400  # the repayment, stored as an exact number
    assert sheet["H6"].number_format == "#,##0.00"
    with pytest.raises(InvalidInput):
        statements.statement(db, line, start="2024-09-28", end="2024-09-01")
