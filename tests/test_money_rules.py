"""Money is exact and strict; the spend-flow rules are pure and list every reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given

from creditline.domain.errors import InvalidInput, InvariantViolation, Refused
from creditline.domain.ledger import (
    GENESIS_HASH,
    LINE_BOOK,
    Account,
    Balances,
    Head,
    Movement,
    PostedTransfer,
    Transfer,
    chain,
)
from creditline.domain.money import Money
from creditline.domain.quota.lines import (
    Hold,
    HoldStatus,
    Occupancy,
    allocate_repayment,
    capture_transfers,
    check_refund,
)
from creditline.domain.quota.parties import Party, PartyKind, missing_prerequisites
from creditline.domain.quota.purposes import Product, Purpose, allowed_purposes
from tests.strategies import MINOR_UNITS, SIGNED_MINOR_UNITS

NOW = datetime(2024, 5, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("0", 0),
        ("1000.00", 100000),
        ("1000", 100000),
        ("0.5", 50),
        ("12.34", 1234),
        ("1000000000000.00", 10**14),
    ],
)
def test_amounts_parse_to_exact_minor_units(text: str, minor: int) -> None:
    assert Money.parse(text).minor == minor


@pytest.mark.parametrize(
    "text",
    [
        "-1",
        "1.001",
        "1e3",
        "NaN",
        "nan",
        "inf",
        "",
        " 1",
        "1 ",
        "+1",
        "1,000",
        ".5",
        "1.",
        "１００",
        "01",
        "1000000000000.01",
        "0x10",
        "1_000",
    ],
)
def test_bad_amounts_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as bad:
        Money.parse(text, field="limit")
    assert bad.value.param == "limit"
    assert "limit" in bad.value.message


def test_money_never_holds_a_float_or_a_bool() -> None:
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True)
    with pytest.raises(InvariantViolation, match="currency"):
        Money(1, "CNY") + Money(1, "USD")


@given(MINOR_UNITS)
def test_formatting_and_parsing_round_trip(minor: int) -> None:
    m = Money(minor)
    assert Money.parse(m.format()) == m
    assert m.format().count(".") == 1


@given(SIGNED_MINOR_UNITS, SIGNED_MINOR_UNITS)
def test_arithmetic_stays_in_integers(a: int, b: int) -> None:
    total = Money(a) + Money(b)
    assert type(total.minor) is int
    assert (Money(a) - Money(b)).minor == a - b


def test_a_merchant_lacking_everything_is_told_each_prerequisite() -> None:
    party = Party("mer_1", PartyKind.MERCHANT, "衣尚坊", open_violations=2)
    assert [r.code.value for r in missing_prerequisites(party)] == [
        "real_name_missing",
        "qualification_missing",
        "settlement_account_missing",
        "open_violation",
    ]


def test_a_consumer_needs_no_qualification_review() -> None:
    party = Party(
        "con_1", PartyKind.CONSUMER, "小李", real_name_verified=True, settlement_account="6222"
    )
    assert missing_prerequisites(party) == []


def test_purposes_by_product_and_holder() -> None:
    merchant_bnpl = allowed_purposes(Product.MERCHANT_BNPL, PartyKind.MERCHANT)
    assert Purpose.PURCHASE not in merchant_bnpl
    assert Purpose.PURCHASE in allowed_purposes(Product.INSTALLMENT, PartyKind.MERCHANT)
    assert allowed_purposes(Product.INSTALLMENT, PartyKind.CONSUMER) == {Purpose.PURCHASE}
    for forbidden in (Purpose.WITHDRAW_CASH, Purpose.TRANSFER_WALLET, Purpose.TRANSFER_BANK):
        assert forbidden not in merchant_bnpl


def _hold(status: HoldStatus = HoldStatus.AUTHORIZED, captured: int = 0) -> Hold:
    return Hold(
        "hold_1",
        "line_1",
        Money(10000),
        Purpose.PROCUREMENT,
        status,
        NOW + timedelta(days=7),
        captured=Money(captured),
        refunded=Money(0),
    )


def test_a_part_capture_releases_the_rest() -> None:
    transfers = capture_transfers(_hold(), Money(6000), NOW)
    assert [(t.debit, t.credit, t.amount.minor) for t in transfers] == [
        (Account.HELD, Account.OCCUPIED, 6000),
        (Account.HELD, Account.AVAILABLE, 4000),
    ]


def test_capturing_too_much_an_expired_or_a_voided_hold_is_refused() -> None:
    with pytest.raises(Refused) as over:
        capture_transfers(_hold(), Money(10001), NOW)
    assert over.value.code == "capture_exceeds_hold"
    with pytest.raises(Refused) as late:
        capture_transfers(_hold(), None, NOW + timedelta(days=7))
    assert late.value.code == "hold_expired"
    with pytest.raises(Refused) as voided:
        capture_transfers(_hold(HoldStatus.VOIDED), None, NOW)
    assert voided.value.code == "hold_not_authorized"


def test_a_refund_is_limited_to_what_is_outstanding() -> None:
    captured = _hold(HoldStatus.CAPTURED, captured=10000)
    check_refund(captured, Money(3000), outstanding=Money(3000))
    with pytest.raises(Refused):
        check_refund(captured, Money(3001), outstanding=Money(3000))


def test_repayment_goes_to_the_oldest_occupancy_first() -> None:
    occ = [
        Occupancy("b", "h2", "TB2", Money(500), NOW + timedelta(days=1)),
        Occupancy("a", "h1", "TB1", Money(300), NOW),
    ]
    assert allocate_repayment(Money(600), occ) == [("a", Money(300)), ("b", Money(300))]


def test_balances_follow_transfers_and_the_books_sum_to_zero() -> None:
    b = Balances.empty(LINE_BOOK, "CNY").apply(
        [
            Transfer(Account.PLATFORM_LIMIT, Account.AVAILABLE, Money(1000), Movement.GRANT),
            Transfer(Account.AVAILABLE, Account.HELD, Money(300), Movement.AUTHORIZE),
            Transfer(Account.HELD, Account.OCCUPIED, Money(200), Movement.CAPTURE),
        ]
    )
    assert [m.minor for m in (b.limit, b.available, b.held, b.occupied)] == [1000, 700, 100, 200]
    assert b.is_consistent
    assert (
        sum(
            b.signed(a).minor
            for a in (Account.AVAILABLE, Account.HELD, Account.OCCUPIED, Account.PLATFORM_LIMIT)
        )
        == 0
    )


def test_a_transfer_is_positive_and_between_two_accounts() -> None:
    with pytest.raises(InvariantViolation, match="positive"):
        Transfer(Account.AVAILABLE, Account.HELD, Money(0), Movement.AUTHORIZE)
    with pytest.raises(InvariantViolation, match="two accounts"):
        Transfer(Account.HELD, Account.HELD, Money(1), Movement.AUTHORIZE)


def post(
    *,
    line_id: str,
    head_seq: int,
    head_hash: str,
    movement_id: str,
    transfers: list[Transfer],
    created_at: datetime,
) -> list[PostedTransfer]:
    """The transfers ``chain`` builds after a head given by its parts."""
    head = Head(line_id, head_seq, head_hash, Balances.empty(LINE_BOOK, "CNY"))
    return list(chain(head, movement_id, transfers, created_at).transfers)


def test_changing_any_field_changes_the_chain_hash() -> None:
    t = Transfer(Account.AVAILABLE, Account.HELD, Money(100), Movement.AUTHORIZE, "hold_1")
    base = post(
        line_id="line_1",
        head_seq=0,
        head_hash=GENESIS_HASH,
        movement_id="m",
        transfers=[t],
        created_at=NOW,
    )[0]
    variants = [
        post(
            line_id="line_2",
            head_seq=0,
            head_hash=GENESIS_HASH,
            movement_id="m",
            transfers=[t],
            created_at=NOW,
        ),
        post(
            line_id="line_1",
            head_seq=1,
            head_hash=GENESIS_HASH,
            movement_id="m",
            transfers=[t],
            created_at=NOW,
        ),
        post(
            line_id="line_1",
            head_seq=0,
            head_hash="1" * 64,
            movement_id="m",
            transfers=[t],
            created_at=NOW,
        ),
        post(
            line_id="line_1",
            head_seq=0,
            head_hash=GENESIS_HASH,
            movement_id="n",
            transfers=[t],
            created_at=NOW,
        ),
        post(
            line_id="line_1",
            head_seq=0,
            head_hash=GENESIS_HASH,
            movement_id="m",
            transfers=[
                Transfer(Account.AVAILABLE, Account.HELD, Money(101), Movement.AUTHORIZE, "hold_1")
            ],
            created_at=NOW,
        ),
        post(
            line_id="line_1",
            head_seq=0,
            head_hash=GENESIS_HASH,
            movement_id="m",
            transfers=[t],
            created_at=NOW + timedelta(microseconds=1),
        ),
    ]
    assert all(v[0].hash != base.hash for v in variants)
