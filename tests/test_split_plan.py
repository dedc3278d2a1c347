"""Settlement's pure rules on plain values, no database: planning a split (分账), reading a
stored rule back, the split window's calendar, T+1 withdrawals."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.domain.errors import CalendarExhausted, InvalidInput, InvariantViolation
from creditline.domain.ledger import Account, Transfer
from creditline.domain.money import Money
from creditline.domain.settlement.orders import Order, OrderState
from creditline.domain.settlement.payouts import PayoutKind, PayoutStatus
from creditline.domain.settlement.split_plan import SplitPlan, plan_split
from creditline.domain.settlement.splits import (
    SplitRule,
    Supplier,
    SupplierTier,
    next_window,
    parse_rule,
)
from creditline.domain.settlement.withdrawals import Lot, withdrawal_refusal
from creditline.domain.workdays import DayInfo
from tests.strategies import PROCEEDS, THREE_SHARES

NOW = datetime(2024, 9, 27, 3, 0, tzinfo=UTC)  # 11:00 in Beijing, inside the split window
CORE = Supplier("sup_core", "mer_1", "杭州织造", SupplierTier.CORE, "6222-S")
ORDINARY = Supplier("sup_small", "mer_1", "小作坊", SupplierTier.ORDINARY, "6222-O")
SUPPLIERS = {s.id: s for s in (CORE, ORDINARY)}


def order(amount: str, *, returned: str = "0.00") -> Order:
    return Order(
        "TB1",
        "mer_1",
        Money.parse(amount),
        OrderState.CONFIRMED,
        NOW,
        returned=Money.parse(returned).minor,
    )


def rule(text: str) -> SplitRule:
    return SplitRule(1, parse_rule(text, SUPPLIERS))


def plan(sale: Order, text: str | None) -> SplitPlan:
    ids = (f"po_{n}" for n in itertools.count(1))
    return plan_split(
        sale, None if text is None else rule(text), SUPPLIERS, now=NOW, payout_id=lambda: next(ids)
    )


def moves(transfers: list[Transfer]) -> list[tuple[Account, str, str]]:
    """Each transfer out of escrow: where to, how much, and what it names."""
    assert all(t.debit is Account.ESCROW for t in transfers)
    return [(t.credit, t.amount.format(), t.ref) for t in transfers]


def test_yishangfang_10000_goes_6000_to_its_core_supplier_3000_to_repayment_1000_to_itself():
    split = plan(order("10000.00"), "supplier:sup_core:60,repayment:30,merchant:10")
    assert [p.format() for p in split.parts] == ["6000.00", "3000.00", "1000.00"]
    [payout] = split.payouts
    assert (payout.id, payout.kind) == ("po_1", PayoutKind.SUPPLIER)
    assert payout.status is PayoutStatus.PENDING
    assert (payout.supplier_id, payout.account, payout.order_id) == ("sup_core", "6222-S", "TB1")
    assert (payout.amount.format(), payout.next_attempt_at) == ("6000.00", NOW)
    assert split.repayment == Money.parse("3000.00")
    assert moves(split.transfers(Money.parse("3000.00"))) == [
        (Account.SUPPLIER_PAYABLE, "6000.00", "sup_core"),
        (Account.REPAYMENT_COLLECTED, "3000.00", "TB1"),
        (Account.MERCHANT_BALANCE, "1000.00", "TB1"),
    ]


def test_a_core_supplier_may_take_more_than_60_percent_and_is_paid_out_alone():
    split = plan(order("500.00"), "supplier:sup_core:95,repayment:5")
    assert [(p.supplier_id, p.amount.format()) for p in split.payouts] == [("sup_core", "475.00")]
    assert moves(split.transfers(Money.parse("25.00"))) == [
        (Account.SUPPLIER_PAYABLE, "475.00", "sup_core"),
        (Account.REPAYMENT_COLLECTED, "25.00", "TB1"),
    ]


def test_with_zero_percent_to_repayment_nothing_reaches_the_quota():
    split = plan(order("800.00"), "supplier:sup_small:25,merchant:75")
    assert split.repayment == Money.zero()
    assert moves(split.transfers(Money.zero())) == [
        (Account.SUPPLIER_PAYABLE, "200.00", "sup_small"),
        (Account.MERCHANT_BALANCE, "600.00", "TB1"),
    ]


def test_what_the_quota_does_not_need_of_the_repayment_share_is_the_merchants():
    split = plan(order("1000.00"), None)  # no rule: everything is offered to the quota
    assert split.rule.text() == "repayment:100"
    assert split.payouts == ()
    assert split.merchant_amount(Money.parse("400.00")) == Money.parse("600.00")
    assert moves(split.transfers(Money.parse("400.00"))) == [
        (Account.REPAYMENT_COLLECTED, "400.00", "TB1"),
        (Account.MERCHANT_BALANCE, "600.00", "TB1"),
    ]


def test_a_returned_part_is_not_split():
    split = plan(order("1000.00", returned="200.00"), "merchant:50,repayment:50")
    assert [p.format() for p in split.parts] == ["400.00", "400.00"]


def test_an_odd_fen_goes_to_the_largest_remainder_and_a_tie_to_the_earlier_share():
    # 100.01 at 70/30 is 70.007 and 30.003: the fen left over goes to the 70% share.
    assert [p.format() for p in plan(order("100.01"), "merchant:70,repayment:30").parts] == [
        "70.01",
        "30.00",
    ]
    # 1.00 at 33.33/33.33/33.34: 33.33, 33.33, 33.34 exactly, floors 33 each, remainders
    # .33, .33, .34: the one fen left goes to the third share.
    three = plan(order("1.00"), "supplier:sup_core:33.33,repayment:33.33,merchant:33.34")
    assert [p.format() for p in three.parts] == ["0.33", "0.33", "0.34"]
    # 0.01 half and half: a tie, and the earlier share takes it.
    assert [p.format() for p in plan(order("0.01"), "repayment:50,merchant:50").parts] == [
        "0.01",
        "0.00",
    ]


def test_a_share_of_nothing_makes_no_payout_and_no_transfer():
    split = plan(order("0.01"), "merchant:50,supplier:sup_core:50")
    assert split.payouts == ()
    assert moves(split.transfers(Money.zero())) == [(Account.MERCHANT_BALANCE, "0.01", "TB1")]


def test_a_supplier_off_the_whitelist_is_refused():
    split_rule = SplitRule(3, parse_rule("supplier:sup_gone:40,merchant:60", {"sup_gone": CORE}))
    with pytest.raises(InvalidInput) as bad:
        plan_split(order("10.00"), split_rule, SUPPLIERS, now=NOW, payout_id=lambda: "po")
    assert bad.value.param == "rule"


def test_the_quota_cannot_take_more_than_it_was_offered():
    split = plan(order("100.00"), "repayment:30,merchant:70")
    with pytest.raises(InvariantViolation):
        split.transfers(Money.parse("30.01"))


def _percent(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}"


@given(proceeds=PROCEEDS, shares=THREE_SHARES, data=st.data())
def test_every_fen_of_the_proceeds_leaves_escrow_exactly_once(
    proceeds: int, shares: tuple[int, int, int], data
) -> None:
    supplier_bp, repayment_bp, merchant_bp = shares
    text = (
        f"supplier:sup_core:{_percent(supplier_bp)},repayment:{_percent(repayment_bp)},"
        f"merchant:{_percent(merchant_bp)}"
    )
    split = plan(order(Money(proceeds).format()), text)
    assert Money.total(split.parts) == Money(proceeds)
    repaid = Money(data.draw(st.integers(0, split.repayment.minor)))
    assert Money.total(t.amount for t in split.transfers(repaid)) == Money(proceeds)
    assert Money.total(p.amount for p in split.payouts) == split.parts[0]


def test_a_stored_rule_reads_back_as_it_was_written():
    written = rule("supplier:sup_core:12.5,repayment:40,merchant:47.50")
    assert written.text() == "supplier:sup_core:12.50,repayment:40,merchant:47.50"
    assert SplitRule.from_text(1, written.text()) == written


class _NoWorkdays:
    def info(self, day: date) -> DayInfo:
        return DayInfo(day, is_workday=False, name="假")

    def known_until(self) -> date:
        return date(2099, 12, 31)


def test_a_calendar_without_working_days_is_an_error_of_its_own():
    with pytest.raises(CalendarExhausted):
        next_window(_NoWorkdays(), NOW, "10:00-16:00")


def test_a_balance_settled_on_30_september_cannot_be_withdrawn_before_8_october():
    maturing = [Lot(date(2024, 10, 8), 200_000)]
    refusal = withdrawal_refusal(Money.parse("2500.00"), Money.parse("3000.00"), maturing)
    assert refusal is not None
    assert refusal.code == "funds_not_yet_available"
    assert refusal.facts == {
        "amount": "2500.00",
        "withdrawable": "1000.00",
        "available_on": "2024-10-08",
        "provisional": False,
    }
    assert refusal.clears_at == "2024-10-08"
    assert withdrawal_refusal(Money.parse("1000.00"), Money.parse("3000.00"), maturing) is None


def test_more_than_the_balance_is_refused_whatever_has_matured():
    refusal = withdrawal_refusal(Money.parse("0.01"), Money.zero(), [])
    assert refusal is not None
    assert refusal.code == "insufficient_balance"
