"""The double-entry ledger (账本): accounts, transfers, balances derived from them, the hash chain.

Vocabulary follows TigerBeetle. A *transfer* debits one account and credits another by the same
positive amount, so every transfer is a balanced pair of postings by construction: the database
stores it as one row and cannot hold an unbalanced one. A *movement* (one command: authorise,
capture, repay...) is one or more transfers posted together.

Each line is a self-contained sub-ledger: its four quota accounts (available, held, occupied,
frozen) plus its share of the platform's limit account, and a pair for late fees (滞纳金): what
the holder owes and the platform's fee income. Quota accounts and fee income are credit-normal
(balance = credits - debits); the platform limit and fees due are debit-normal; for every line
the sum of all signed balances is zero.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from creditline.domain.money import Money

GENESIS_HASH = "0" * 64


class Account(StrEnum):
    AVAILABLE = "available"  # 可用额度
    HELD = "held"  # authorised, not captured (预授权)
    OCCUPIED = "occupied"  # 占用: spent, not yet repaid
    FROZEN = "frozen"  # 冻结: quota an amount freeze keeps from use
    PLATFORM_LIMIT = "platform_limit"  # the platform's grant of limit to this line
    FEES_DUE = "fees_due"  # late fees the holder owes (debit-normal)
    FEE_INCOME = "fee_income"  # the platform's late-fee income
    FEES_COLLECTED = "fees_collected"  # money received for late fees (debit-normal)
    # The funds book of a merchant (资金账本): money, not quota.
    CLEARING = "clearing"  # cash the platform holds for the merchant (debit-normal)
    ESCROW = "escrow"  # confirmed proceeds not yet split
    REPAYMENT_COLLECTED = "repayment_collected"  # proceeds kept to repay quota and fees
    SUPPLIER_PAYABLE = "supplier_payable"  # owed to suppliers until paid out
    MERCHANT_BALANCE = "merchant_balance"  # the merchant's own settled balance
    WITHDRAWAL_PAYABLE = "withdrawal_payable"  # withdrawals requested, not yet paid out
    COMPENSATION_EXPENSE = "compensation_expense"  # paid by the platform (debit-normal)


QUOTA_ACCOUNTS = (Account.AVAILABLE, Account.HELD, Account.OCCUPIED, Account.FROZEN)
LINE_BOOK = frozenset(
    {
        *QUOTA_ACCOUNTS,
        Account.PLATFORM_LIMIT,
        Account.FEES_DUE,
        Account.FEE_INCOME,
        Account.FEES_COLLECTED,
    }
)
FUNDS_BOOK = frozenset(set(Account) - LINE_BOOK)
#: Debit-normal accounts: their balance is debits - credits.
DEBIT_NORMAL = frozenset(
    {
        Account.PLATFORM_LIMIT,
        Account.FEES_DUE,
        Account.FEES_COLLECTED,
        Account.CLEARING,
        Account.COMPENSATION_EXPENSE,
    }
)


class Movement(StrEnum):
    GRANT = "grant"  # limit granted (or raised)
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
            raise ValueError("a transfer amount must be positive")
        if self.debit == self.credit:
            raise ValueError("a transfer must move between two accounts")


@dataclass(frozen=True, slots=True)
class Balances:
    """The balances of one line, in its currency; ``limit`` is what the platform granted."""

    currency: str
    limit: int = 0
    available: int = 0
    held: int = 0
    occupied: int = 0
    frozen: int = 0
    fees_due: int = 0
    fee_income: int = 0
    fees_collected: int = 0

    def money(self, account: Account) -> Money:
        return Money(self.of(account), self.currency)

    def of(self, account: Account) -> int:
        """The signed (credit-normal) balance of ``account``."""
        if account is Account.PLATFORM_LIMIT:
            return -self.limit
        if account is Account.FEES_DUE:
            return -self.fees_due
        if account is Account.FEES_COLLECTED:
            return -self.fees_collected
        return int(getattr(self, account.value))

    def apply(self, transfers: Iterable[Transfer]) -> Balances:
        """The balances after ``transfers``: each debit lowers a signed balance, each credit
        raises one."""
        delta: dict[Account, int] = {}
        for t in transfers:
            if t.amount.currency != self.currency:
                raise ValueError("transfer currency differs from the line currency")
            if t.debit not in LINE_BOOK or t.credit not in LINE_BOOK:
                raise ValueError(f"{t.debit}->{t.credit} is not a transfer of a line's book")
            delta[t.debit] = delta.get(t.debit, 0) - t.amount.minor
            delta[t.credit] = delta.get(t.credit, 0) + t.amount.minor
        if not delta:
            return self
        get = delta.get
        return Balances(
            self.currency,
            limit=self.limit - get(Account.PLATFORM_LIMIT, 0),
            available=self.available + get(Account.AVAILABLE, 0),
            held=self.held + get(Account.HELD, 0),
            occupied=self.occupied + get(Account.OCCUPIED, 0),
            frozen=self.frozen + get(Account.FROZEN, 0),
            fees_due=self.fees_due - get(Account.FEES_DUE, 0),
            fee_income=self.fee_income + get(Account.FEE_INCOME, 0),
            fees_collected=self.fees_collected - get(Account.FEES_COLLECTED, 0),
        )

    @property
    def is_consistent(self) -> bool:
        """No account is overdrawn; quota accounts add up to the limit; fees balance."""
        return (
            min(
                self.available,
                self.held,
                self.occupied,
                self.frozen,
                self.fees_due,
                self.fee_income,
                self.fees_collected,
            )
            >= 0
            and self.available + self.held + self.occupied + self.frozen == self.limit
            and self.fees_due == self.fee_income
        )


def chain_hash(
    prev_hash: str,
    *,
    line_id: str,
    seq: int,
    movement_id: str,
    transfer: Transfer,
    created_at: datetime,
) -> str:
    """The hash of one ledger row, chained to the previous row of the same line."""
    payload = "|".join(
        (
            prev_hash,
            line_id,
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
    line_id: str
    seq: int
    movement_id: str
    transfer: Transfer
    created_at: datetime
    prev_hash: str
    hash: str


def post(
    *,
    line_id: str,
    head_seq: int,
    head_hash: str,
    movement_id: str,
    transfers: Sequence[Transfer],
    created_at: datetime,
) -> list[PostedTransfer]:
    """Number and chain ``transfers`` after the line's current head."""
    posted: list[PostedTransfer] = []
    prev, seq = head_hash, head_seq
    for t in transfers:
        seq += 1
        h = chain_hash(
            prev,
            line_id=line_id,
            seq=seq,
            movement_id=movement_id,
            transfer=t,
            created_at=created_at,
        )
        posted.append(PostedTransfer(line_id, seq, movement_id, t, created_at, prev, h))
        prev = h
    return posted


@dataclass(frozen=True, slots=True)
class FundsBalances:
    """A merchant's funds book (资金账本), signed credit-normal except clearing and
    compensation expense; it sums to zero like every book."""

    currency: str
    clearing: int = 0
    escrow: int = 0
    repayment_collected: int = 0
    supplier_payable: int = 0
    merchant_balance: int = 0
    withdrawal_payable: int = 0
    compensation_expense: int = 0

    def apply(self, transfers: Iterable[Transfer]) -> FundsBalances:
        values = {a: self.signed(a) for a in FUNDS_BOOK}
        for t in transfers:
            if t.debit not in FUNDS_BOOK or t.credit not in FUNDS_BOOK:
                raise ValueError(f"{t.debit}->{t.credit} is not a transfer of a funds book")
            values[t.debit] -= t.amount.minor
            values[t.credit] += t.amount.minor
        return FundsBalances(
            self.currency,
            **{a.value: (-v if a in DEBIT_NORMAL else v) for a, v in values.items()},
        )

    def signed(self, account: Account) -> int:
        value = int(getattr(self, account.value))
        return -value if account in DEBIT_NORMAL else value

    @property
    def is_consistent(self) -> bool:
        owed = (self.escrow, self.supplier_payable, self.merchant_balance, self.withdrawal_payable)
        return min(owed) >= 0 and sum(self.signed(a) for a in FUNDS_BOOK) == 0
