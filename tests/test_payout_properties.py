"""A payout is never paid twice, whatever the channel answers, in whatever order (R11)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.errors import StorageError
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
from creditline.service.settlement import funds
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.helpers import active_line, fresh_db
from tests.strategies import CHANNEL_ANSWERS, FAILURE_PLANS

T0 = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
#: Wide enough to hold every channel record a test makes.
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@given(answers=CHANNEL_ANSWERS)
def test_duplicated_and_reordered_answers_mark_a_payout_paid_once(answers) -> None:
    payout = Payout(
        "po_1", "mer_1", PayoutKind.SUPPLIER, "acct", Money(10_000), PayoutStatus.PENDING, T0
    )
    became_paid = 0
    for attempt, error in answers:
        payout = dataclasses.replace(payout, attempts=max(payout.attempts, attempt))
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


def _paid_records(db: SqlDatabase) -> list[dict]:
    with db.transaction(write=False) as uow:
        return uow.payouts.channel_paid_between(*EVER)


def _every_payout_paid_once(db: SqlDatabase, plan: list[tuple[int, ChannelError]]) -> None:
    clock.set_clock(db, "2024-05-06T10:00:00+08:00")
    m, _ = active_line(db, limit="1000.00")
    core = splits.add_supplier(db, m, name="核心", tier="core", account="S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:70,merchant:30")
    for i, (failures, error) in enumerate(plan):
        orders.add_order(db, m, order_id=f"TB{i}", amount="100.01")
        orders.ship_order(db, f"TB{i}")
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
    assert len(payouts) == len(plan)  # one supplier payout per order
    assert {p["status"] for p in payouts} == {"paid"}
    # The channel's own books: exactly one 'paid' record for each payout, of its amount, and
    # none for anything else. (A timeout pays and loses the answer: the retry must find the
    # record and write 'paid_again', never a second 'paid'.)
    records = _paid_records(db)
    per_payout = Counter(r["payout"] for r in records)
    assert per_payout == Counter({p["id"]: 1 for p in payouts})
    amounts = {p["id"]: Money.parse(p["amount"]).minor for p in payouts}
    assert {r["payout"]: r["amount"] for r in records} == amounts
    report = verify_ledger(db)
    assert report.ok, report.problems
    with db.transaction(write=False) as uow:
        book = uow.funds.funds_balances(m)
    assert book is not None
    assert book.supplier_payable.minor == 0  # every supplier share left exactly once
    assert book.escrow.minor == 0


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@_settings(12)
@given(plan=FAILURE_PLANS)
def test_whatever_fails_every_payout_is_paid_exactly_once(backend: str, plan) -> None:
    with fresh_db(backend) as db:
        _every_payout_paid_once(db, plan)


@pytest.mark.slow
@_settings(150)
@given(plan=FAILURE_PLANS)
def test_whatever_fails_every_payout_is_paid_exactly_once_over_many_plans(
    backend: str, plan
) -> None:
    with fresh_db(backend) as db:
        _every_payout_paid_once(db, plan)


def test_the_database_refuses_a_second_paid_record_for_one_payout(db: SqlDatabase) -> None:
    """Even a channel that forgot it paid cannot record a payout paid twice: the partial unique
    index ``uq_channel_records_paid`` refuses the row, and the transaction writes nothing."""
    clock.set_clock(db, "2024-05-06T10:00:00+08:00")
    m, _ = active_line(db)
    core = splits.add_supplier(db, m, name="核心", tier="core", account="S").body["id"]
    splits.set_split_rule(db, m, rule=f"supplier:{core}:100")
    orders.add_order(db, m, order_id="TB1", amount="300.00")
    orders.ship_order(db, "TB1")
    orders.confirm_order(db, "TB1")
    run_due(db)
    (payout,) = funds.list_payouts(db, m).body["data"]
    assert payout["status"] == "paid"
    (first,) = _paid_records(db)
    second = {
        "payout_id": payout["id"],
        "attempt": 2,  # another attempt: the primary key (payout, attempt) would allow it
        "outcome": "paid",
        "amount": first["amount"],
        "account": "S",
        "channel_ref": "ch_again",
        "now": T0 + timedelta(hours=1),
    }
    with (
        pytest.raises(StorageError, match=r"\buq_channel_records_paid\b"),
        db.transaction() as uow,
    ):
        uow.payouts.channel_record(**second)
    assert len(_paid_records(db)) == 1
    # Any other outcome on a later attempt is an ordinary record.
    with db.transaction() as uow:
        uow.payouts.channel_record(**{**second, "outcome": "paid_again"})
    assert len(_paid_records(db)) == 1
