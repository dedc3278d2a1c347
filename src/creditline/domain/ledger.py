"""The double-entry ledger (账本): accounts, books, transfers, the balances and chain they make.

Vocabulary follows TigerBeetle. A *transfer* debits one account and credits another by the same
positive amount, so every transfer is a balanced pair of postings by construction: the database
stores it as one row and cannot hold an unbalanced one. A *movement* (one command: authorise,
capture, repay...) is one or more transfers posted together.

Transfers go to a *book*, a self-contained sub-ledger with its own hash chain: each line has a
quota book (its four quota accounts, its share of the platform's limit, and a pair for late fees
(滞纳金)), each merchant a funds book (资金账本: money, not quota). ``chain`` numbers and hashes a
movement after the book's head, the same way for every book.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from creditline.domain.errors import InvariantViolation
from creditline.domain.money import Money

GENESIS_HASH = "0" * 64


class Account(StrEnum):
    AVAILABLE = "available"  # 可用额度
    HELD = "held"  # authorised, not captured (预授权)
    OCCUPIED = "occupied"  # 占用: spent, not yet repaid
    FROZEN = "frozen"  # 冻结: quota an amount freeze keeps from use
    PLATFORM_LIMIT = "platform_limit"  # the platform's grant of limit to this line
    FEES_DUE = "fees_due"  # late fees the holder owes
    FEE_INCOME = "fee_income"  # the platform's late-fee income
    FEES_COLLECTED = "fees_collected"  # money received for late fees
    CLEARING = "clearing"  # cash the platform holds for the merchant
    ESCROW = "escrow"  # confirmed proceeds not yet split
    REPAYMENT_COLLECTED = "repayment_collected"  # proceeds kept to repay quota and fees
    SUPPLIER_PAYABLE = "supplier_payable"  # owed to suppliers until paid out
    MERCHANT_BALANCE = "merchant_balance"  # the merchant's own settled balance
    WITHDRAWAL_PAYABLE = "withdrawal_payable"  # withdrawals requested, not yet paid out
    COMPENSATION_EXPENSE = "compensation_expense"  # paid by the platform
    RECEIVABLE = "receivable"  # 应收: after-sale refunds the merchant's balance fell short of
    PROMOTION_FEES = "promotion_fees"  # 商家贴息: installment fees a merchant's promotion paid


@dataclass(frozen=True, slots=True)
class Book:
    """One kind of book: its accounts, which of them are debit-normal (balance = debits -
    credits; the others credits - debits), which may never go below zero, and the groups of
    accounts whose signed balances always add up to zero."""

    name: str
    accounts: tuple[Account, ...]
    debit_normal: frozenset[Account]
    never_negative: frozenset[Account]
    zero_sums: tuple[tuple[Account, ...], ...]
    positions: dict[Account, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "positions", {a: i for i, a in enumerate(self.accounts)})


_QUOTA = (Account.AVAILABLE, Account.HELD, Account.OCCUPIED, Account.FROZEN)
_FEES = (Account.FEES_DUE, Account.FEE_INCOME, Account.FEES_COLLECTED)
#: A line's book: quota moves between the four quota accounts and the platform's limit (so
#: they add up to the limit), late fees between their own three accounts.
LINE_BOOK = Book(
    "line",
    (*_QUOTA, Account.PLATFORM_LIMIT, *_FEES),
    debit_normal=frozenset({Account.PLATFORM_LIMIT, Account.FEES_DUE, Account.FEES_COLLECTED}),
    never_negative=frozenset({*_QUOTA, *_FEES}),
    zero_sums=((*_QUOTA, Account.PLATFORM_LIMIT), _FEES),
)
_FUNDS = (
    Account.CLEARING,
    Account.ESCROW,
    Account.REPAYMENT_COLLECTED,
    Account.SUPPLIER_PAYABLE,
    Account.MERCHANT_BALANCE,
    Account.WITHDRAWAL_PAYABLE,
    Account.COMPENSATION_EXPENSE,
    Account.RECEIVABLE,
    Account.PROMOTION_FEES,
)
#: A merchant's funds book: what is owed to someone, or by the merchant, may not go below zero.
FUNDS_BOOK = Book(
    "funds",
    _FUNDS,
    debit_normal=frozenset({Account.CLEARING, Account.COMPENSATION_EXPENSE, Account.RECEIVABLE}),
    never_negative=frozenset(
        {
            Account.ESCROW,
            Account.SUPPLIER_PAYABLE,
            Account.MERCHANT_BALANCE,
            Account.WITHDRAWAL_PAYABLE,
            Account.RECEIVABLE,
            Account.PROMOTION_FEES,
        }
    ),
    zero_sums=(_FUNDS,),
)


class Movement(StrEnum):
    GRANT = "grant"  # limit granted (or raised)
    REDUCE = "reduce"  # limit lowered: unused quota goes back to the platform
    AUTHORIZE = "authorize"
    CAPTURE = "capture"
    RELEASE = "release"  # the uncaptured rest of a hold
    VOID = "void"
    EXPIRE = "expire"
    REFUND = "refund"
    REPAY = "repay"
    FREEZE = "freeze"  # quota moved into an amount freeze
    UNFREEZE = "unfreeze"
    LATE_FEE = "late_fee"
    FEE_PAYMENT = "fee_payment"
    PROCEEDS = "proceeds"  # a confirmed order's proceeds arrive in escrow
    RETURN = "return"  # proceeds go back to the buyer
    SPLIT = "split"  # 分账
    PAYOUT = "payout"  # money leaves through the channel
    COMPENSATION = "compensation"
    WITHDRAWAL = "withdrawal"
    INSTALLMENT_FEE = "installment_fee"  # 分期手续费: a plan's fees, charged at purchase
    FEE_WAIVER = "fee_waiver"  # fees not earned, written off (a payoff, a return)
    FEE_REFUND = "fee_refund"  # fees paid and then not earned, given back (a return)
    PROMOTION_FEE = "promotion_fee"  # 贴息: a promotion's fee taken from the merchant's split


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move ``amount`` from ``debit`` to ``credit``; ``ref`` names the hold, order or occupancy."""

    debit: Account
    credit: Account
    amount: Money
    movement: Movement
    ref: str = ""

    def __post_init__(self) -> None:
        if not self.amount.is_positive:
            raise InvariantViolation("a transfer amount must be positive")
        if self.debit == self.credit:
            raise InvariantViolation("a transfer must move between two accounts")


class _Named:
    """``balances.available``: one account's balance, read by its name."""

    __slots__ = ("account",)

    def __init__(self, account: Account) -> None:
        self.account = account

    def __get__(self, balances: Balances, owner: object = None) -> Money:
        return balances[self.account]


@dataclass(frozen=True, slots=True)
class Balances:
    """What each account of one book holds, as ``Money`` in the book's currency and in the
    account's normal sign (never negative where the book says so). Derived from transfers with
    ``apply``; the copy stored beside the chain is checked against them by ``ledger verify``."""

    book: Book
    currency: str
    amounts: tuple[Money, ...]  # in the order of ``book.accounts``

    @classmethod
    def empty(cls, book: Book, currency: str) -> Balances:
        return cls(book, currency, (Money(0, currency),) * len(book.accounts))

    @classmethod
    def from_minor(cls, book: Book, currency: str, minor: Iterable[int]) -> Balances:
        """Balances from minor units in ``book.accounts`` order, as the database keeps them."""
        return cls(book, currency, tuple([Money(m, currency) for m in minor]))

    def __getitem__(self, account: Account) -> Money:
        position = self.book.positions.get(account)
        if position is None:
            raise InvariantViolation(f"{account} is not an account of a {self.book.name} book")
        return self.amounts[position]

    def signed(self, account: Account) -> Money:
        """The balance in credit-normal sign (credits - debits), whatever the account."""
        amount = self[account]
        return -amount if account in self.book.debit_normal else amount

    def apply(self, transfers: Iterable[Transfer]) -> Balances:
        """The balances after ``transfers``."""
        # The sums run on minor units (of transfers checked to be in the book's currency) and
        # only the accounts touched get a new Money: this runs several times on every spend.
        change: dict[int, int] = {}
        positions, debit_normal = self.book.positions, self.book.debit_normal
        for t in transfers:
            debit, credit = positions.get(t.debit), positions.get(t.credit)
            if debit is None or credit is None:
                raise InvariantViolation(
                    f"{t.debit}->{t.credit} is not a transfer of a {self.book.name} book"
                )
            if t.amount.currency != self.currency:
                raise InvariantViolation(
                    f"a {t.amount.currency} transfer in a {self.currency} book"
                )
            # A debit raises a debit-normal balance and lowers a credit-normal one; a credit
            # does the opposite.
            minor = t.amount.minor
            change[debit] = change.get(debit, 0) + (minor if t.debit in debit_normal else -minor)
            change[credit] = change.get(credit, 0) + (-minor if t.credit in debit_normal else minor)
        if not change:
            return self
        amounts = list(self.amounts)
        for position, delta in change.items():
            amounts[position] = Money(amounts[position].minor + delta, self.currency)
        return Balances(self.book, self.currency, tuple(amounts))

    @property
    def is_consistent(self) -> bool:
        """No account the book keeps above zero is overdrawn, and every group that must add
        up to zero does."""
        zero = Money(0, self.currency)
        return all(self[a] >= zero for a in self.book.never_negative) and all(
            Money.total((self.signed(a) for a in group), self.currency) == zero
            for group in self.book.zero_sums
        )

    # The balances the rules read by name; any other is ``balances[account]``.
    limit = _Named(Account.PLATFORM_LIMIT)
    available = _Named(Account.AVAILABLE)
    held = _Named(Account.HELD)
    occupied = _Named(Account.OCCUPIED)
    frozen = _Named(Account.FROZEN)
    fees_due = _Named(Account.FEES_DUE)
    escrow = _Named(Account.ESCROW)
    supplier_payable = _Named(Account.SUPPLIER_PAYABLE)
    merchant_balance = _Named(Account.MERCHANT_BALANCE)


def chain_hash(
    prev_hash: str,
    *,
    book_id: str,
    seq: int,
    movement_id: str,
    transfer: Transfer,
    created_at: datetime,
) -> str:
    """The hash of one transfer, chained to the previous transfer of the same book."""
    payload = "|".join(
        (
            prev_hash,
            book_id,
            str(seq),
            movement_id,
            transfer.movement.value,
            transfer.debit.value,
            transfer.credit.value,
            str(transfer.amount.minor),
            transfer.amount.currency,
            transfer.ref,
            created_at.isoformat(),
        )
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PostedTransfer:
    """A transfer as its book keeps it: numbered, timed and hashed into the chain."""

    book_id: str
    seq: int
    movement_id: str
    transfer: Transfer
    created_at: datetime
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Head:
    """Where a book stands: its id (a line's, or the merchant's for a funds book), the seq and
    hash of its last transfer, and the balances its transfers add up to."""

    book_id: str
    seq: int
    hash: str
    balances: Balances


@dataclass(frozen=True, slots=True)
class Posting:
    """One movement chained onto a book: the head it was built on, its transfers, and the head
    after them."""

    before: Head
    transfers: tuple[PostedTransfer, ...]
    after: Head


def chain(
    head: Head, movement_id: str, transfers: Sequence[Transfer], created_at: datetime
) -> Posting:
    """Number, hash and apply ``transfers`` after ``head``, for a book of any kind."""
    posted: list[PostedTransfer] = []
    prev, seq = head.hash, head.seq
    for t in transfers:
        seq += 1
        h = chain_hash(
            prev,
            book_id=head.book_id,
            seq=seq,
            movement_id=movement_id,
            transfer=t,
            created_at=created_at,
        )
        posted.append(PostedTransfer(head.book_id, seq, movement_id, t, created_at, prev, h))
        prev = h
    after = Head(head.book_id, seq, prev, head.balances.apply(transfers))
    return Posting(head, tuple(posted), after)
