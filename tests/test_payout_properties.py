"""A payout is never paid twice, whatever the channel answers, in whatever order (R11)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.money import Money
from creditline.domain.settlement.payouts import (
    ChannelAnswer,
    ChannelError,
    Payout,
    PayoutKind,
    PayoutStatus,
)
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.settlement import funds
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.conftest import make_db

T0 = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
ERRORS = st.sampled_from([None, *ChannelError])


@given(answers=st.lists(st.tuples(st.integers(1, 6), ERRORS), max_size=20))
def test_duplicated_and_reordered_answers_mark_a_payout_paid_once(answers) -> None:
    payout = Payout(
        "po_1", "mer_1", PayoutKind.SUPPLIER, "acct", Money(10_000), PayoutStatus.PENDING, T0
    )
    became_paid = 0
    for attempt, error in answers:
        payout = Payout(**{**_fields(payout), "attempts": max(payout.attempts, attempt)})
        before = payout.status
        payout = payout.answered(
            ChannelAnswer("po_1", attempt, error, "ref" if error is None else None),
            T0,
            T0 + timedelta(days=1),
        )
        if before is PayoutStatus.PENDING and payout.status is PayoutStatus.PAID:
            became_paid += 1
        if before is PayoutStatus.PAID:
            assert payout.status is PayoutStatus.PAID  # paid stays paid
    assert became_paid <= 1
    paid_answers = [a for a, e in answers if e is None]
    assert (payout.status is PayoutStatus.PAID) == bool(paid_answers)


def _fields(p: Payout) -> dict:
    return {f: getattr(p, f) for f in Payout.__dataclass_fields__}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plan=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(list(ChannelError))), min_size=1, max_size=6
    )
)
def test_whatever_fails_every_payout_is_paid_exactly_once(plan) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = make_db(f"sqlite:///{Path(tmp) / 'c.db'}")
        try:
            _every_payout_paid_once(db, plan)
        finally:
            db.dispose()


def _every_payout_paid_once(db: SqlDatabase, plan) -> None:
    clock.set_clock(db, "2024-05-06T10:00:00+08:00")
    m = parties.add_party(db, kind="merchant", name="衣尚坊").body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="A")
    lines.activate_line(
        db, lines.open_line(db, m, product="merchant_bnpl", limit="1000.00").body["id"]
    )
    core = splits.add_supplier(db, m, name="核心", tier="core", account="S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:70,merchant:30")
    for i, (failures, error) in enumerate(plan):
        orders.add_order(db, m, order_id=f"TB{i}", amount="100.01")
        orders.confirm_order(db, f"TB{i}")
        if failures:
            funds.fail_payouts(db, count=failures, error=error.value)
        for _ in range(8):
            run_due(db)
            clock.advance_clock(db, "6h")
    for _ in range(6):  # let every retry and window pass
        clock.advance_clock(db, "1d")
        run_due(db)
    payouts = funds.list_payouts(db, m).body["data"]
    assert len(payouts) == len(plan)
    assert all(p["status"] == "paid" for p in payouts)
    with db.transaction(write=False) as uow:
        for p in payouts:
            assert uow.payouts.channel_paid(p["id"]) is not None
        paid = uow.session.execute(
            text(
                "SELECT payout_id, count(*) FROM channel_records WHERE outcome = 'paid' "
                "GROUP BY payout_id"
            )
        ).all()
    # the channel's own records: exactly one 'paid' record per payout, and no other
    assert sorted(n for _, n in paid) == [1] * len(payouts)
    assert {pid for pid, _ in paid} == {p["id"] for p in payouts}
    report = verify_ledger(db)
    assert report.ok, report.problems
    with db.transaction(write=False) as uow:
        book = uow.funds.funds_balances(m)
    assert book is not None
    assert book.supplier_payable == 0  # every supplier share left exactly once
    assert book.escrow == 0
