"""Payouts (出款) through a payment channel that can fail, with retries and compensation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from creditline.domain.money import Money

#: After this many failures in a row the platform compensates the merchant and opens a case.
FAILURES_BEFORE_COMPENSATION = 3
#: Waits before the 2nd and 3rd attempts; after the 3rd failure, the next split window.
BACKOFF = (timedelta(minutes=10), timedelta(minutes=30))


class ChannelError(StrEnum):
    INSUFFICIENT_BALANCE = "insufficient_balance"  # 余额不足
    CHANNEL_ERROR = "channel_error"  # 支付接口失败
    TIMEOUT = "timeout"  # no answer: the channel may or may not have paid


class ChannelFault(StrEnum):
    """A failure a sandbox injects into its channel: one of ``ChannelError``'s answers, or
    ``hang`` (the channel answers nothing until long past the caller's deadline; the caller
    gives up at the deadline, and, as after ``timeout``, does not know whether it paid)."""

    INSUFFICIENT_BALANCE = "insufficient_balance"
    CHANNEL_ERROR = "channel_error"
    TIMEOUT = "timeout"
    HANG = "hang"


class PayoutKind(StrEnum):
    SUPPLIER = "supplier"
    WITHDRAWAL = "withdrawal"


class PayoutStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"


@dataclass(frozen=True, slots=True)
class ChannelAnswer:
    """What the channel said for one attempt; ``error`` None means paid."""

    payout_id: str
    attempt: int
    error: ChannelError | None
    channel_ref: str | None = None

    @property
    def paid(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Payout:
    id: str
    party_id: str  # the merchant whose proceeds or balance it pays
    kind: PayoutKind
    account: str
    amount: Money
    status: PayoutStatus
    next_attempt_at: datetime
    attempts: int = 0
    failures_in_row: int = 0
    compensated: bool = False
    last_error: str | None = None
    supplier_id: str | None = None
    order_id: str | None = None
    channel_ref: str | None = None

    def answered(self, answer: ChannelAnswer, now: datetime, next_window: datetime) -> Payout:
        """The payout after an answer; ``next_window`` is the next opening of the split window,
        where a payout waits after its third failure in a row. A paid payout stays paid: a
        late or duplicated answer for any attempt changes nothing, so nothing is paid twice."""
        if self.status is PayoutStatus.PAID:
            return self
        if answer.paid:
            return replace(
                self, status=PayoutStatus.PAID, channel_ref=answer.channel_ref, last_error=None
            )
        if answer.attempt != self.attempts:
            return self  # a late failure of an earlier attempt: the later one decides
        failures = self.failures_in_row + 1
        if failures >= FAILURES_BEFORE_COMPENSATION:
            wait_until = next_window
        else:
            wait_until = now + BACKOFF[failures - 1]
        return replace(
            self,
            failures_in_row=failures,
            next_attempt_at=wait_until,
            last_error=answer.error.value if answer.error else None,
        )

    @property
    def needs_compensation(self) -> bool:
        return (
            self.kind is PayoutKind.SUPPLIER
            and not self.compensated
            and self.failures_in_row >= FAILURES_BEFORE_COMPENSATION
        )


@dataclass(frozen=True, slots=True)
class PayoutRecord:
    """A stored payout with its history's times: when it was made, and paid if it was."""

    payout: Payout
    created_at: datetime
    paid_at: datetime | None = None


def compensation(amount: Money, cap: Money) -> Money:
    """What the platform pays the merchant for a payout that failed three times in a row:
    the payout's amount, at most the policy cap (default 500.00 a transaction)."""
    return amount.min(cap)
