"""Credit lines (额度) and the rules of the spend flow: authorise, capture, void, refund, repay."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.ledger import Account, Balances, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import (
    PRODUCT_NAMES,
    Product,
    Purpose,
)
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.workdays import iso_local


class LineStatus(StrEnum):
    PENDING_ACTIVATION = "pending_activation"
    ACTIVE = "active"
    CLOSED = "closed"


class HoldStatus(StrEnum):
    AUTHORIZED = "authorized"
    DECLINED = "declined"
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class LineState:
    """What the rules need to know about a line at the moment of a request."""

    id: str
    party_id: str
    party_kind: PartyKind
    product: Product
    status: LineStatus
    balances: Balances
    #: The limit the line should have (额度调整), when it was ever changed: spending counts
    #: against the lower of it and the book's limit while a reduction waits for quota to free.
    limit_target: Money | None = None

    @property
    def currency(self) -> str:
        return self.balances.currency


def check_no_open_line(product: Product, open_line: str | None) -> None:
    """A party holds one line of a product until it is closed (R2): a second would split one
    credit decision in two, and double the quota the platform granted."""
    if open_line is None:
        return
    zh, en = PRODUCT_NAMES[product]
    reason = Reason(
        ReasonCode.LINE_ALREADY_OPEN,
        {"line": open_line, "product": product.value, "product_zh": zh, "product_en": en},
    )
    raise Refused(reason.code.value, reason.message_en, [reason])


def require_positive(amount: Money, field: str = "amount") -> Money:
    if not amount.is_positive:
        raise InvalidInput(field, f"{field} must be greater than zero")
    return amount


def authorize_transfers(amount: Money, hold_id: str) -> list[Transfer]:
    return [Transfer(Account.AVAILABLE, Account.HELD, amount, Movement.AUTHORIZE, hold_id)]


@dataclass(frozen=True, slots=True)
class Hold:
    """An authorisation (预授权): quota held for a spend until captured, voided or expired;
    ``captured`` and ``refunded`` are in the hold's currency."""

    id: str
    line_id: str
    amount: Money
    purpose: Purpose
    status: HoldStatus
    expires_at: datetime
    order_id: str | None = None
    captured: Money = field(kw_only=True)
    refunded: Money = field(kw_only=True)

    def check_open(self, now: datetime) -> None:
        if self.status is HoldStatus.AUTHORIZED and now >= self.expires_at:
            raise Refused(
                ReasonCode.HOLD_EXPIRED.value,
                f"hold {self.id} expired at {iso_local(self.expires_at)}",
                [Reason(ReasonCode.HOLD_EXPIRED, {"expires_at": iso_local(self.expires_at)})],
            )
        if self.status is not HoldStatus.AUTHORIZED:
            raise Refused(
                ReasonCode.HOLD_NOT_AUTHORIZED.value,
                f"hold {self.id} is {self.status.value}",
                [Reason(ReasonCode.HOLD_NOT_AUTHORIZED, {"status": self.status.value})],
            )

    def is_expired(self, now: datetime) -> bool:
        return self.status is HoldStatus.AUTHORIZED and now >= self.expires_at

    @property
    def refundable(self) -> Money:
        return self.captured - self.refunded


def capture_transfers(hold: Hold, amount: Money | None, now: datetime) -> list[Transfer]:
    """Capture all or part of an open hold; the uncaptured rest goes back to available."""
    hold.check_open(now)
    take = hold.amount if amount is None else require_positive(amount)
    if take > hold.amount:
        raise Refused(
            ReasonCode.CAPTURE_EXCEEDS_HOLD.value,
            f"capture {take.format()} exceeds the hold {hold.amount.format()}",
            [
                Reason(
                    ReasonCode.CAPTURE_EXCEEDS_HOLD,
                    {"amount": take.format(), "held": hold.amount.format()},
                )
            ],
        )
    transfers = [Transfer(Account.HELD, Account.OCCUPIED, take, Movement.CAPTURE, hold.id)]
    rest = hold.amount - take
    if rest.is_positive:
        transfers.append(Transfer(Account.HELD, Account.AVAILABLE, rest, Movement.RELEASE, hold.id))
    return transfers


def release_transfers(hold: Hold, movement: Movement) -> list[Transfer]:
    """Void or expiry: the whole hold goes back to available."""
    return [Transfer(Account.HELD, Account.AVAILABLE, hold.amount, movement, hold.id)]


@dataclass(frozen=True, slots=True)
class Occupancy:
    """Captured quota not yet repaid (占用), tied to the hold and order it came from."""

    id: str
    hold_id: str
    order_id: str | None
    outstanding: Money
    captured_at: datetime


def allocate_repayment(amount: Money, occupancies: Sequence[Occupancy]) -> list[tuple[str, Money]]:
    """Repay the oldest occupancy first; returns (occupancy id, part) pairs."""
    parts: list[tuple[str, Money]] = []
    rest = amount
    for occ in sorted(occupancies, key=lambda o: (o.captured_at, o.id)):
        if not rest.is_positive:
            break
        part = rest.min(occ.outstanding)
        if part.is_positive:
            parts.append((occ.id, part))
            rest -= part
    return parts


def repayment_transfers(parts: Sequence[tuple[str, Money]]) -> list[Transfer]:
    """Each repaid part of occupancy (还款) becomes available quota again."""
    return [
        Transfer(Account.OCCUPIED, Account.AVAILABLE, part, Movement.REPAY, occupancy_id)
        for occupancy_id, part in parts
    ]


def fee_payment_transfers(amount: Money, ref: str) -> list[Transfer]:
    """Money received for late fees (滞纳金) settles what the holder owes."""
    return [Transfer(Account.FEES_COLLECTED, Account.FEES_DUE, amount, Movement.FEE_PAYMENT, ref)]


def check_repayment(
    amount: Money, line: LineState, repayable: tuple[Money, Money] | None = None
) -> None:
    """A repayment (还款) pays what the holder owes: occupancy, then late fees (滞纳金); only
    what is more than both together is refused, and the refusal says how much is owed.
    ``repayable``: (occupancy, fees) this repayment may pay, when not the whole balances (an
    installment plan's principal and fees are repaid through the plan)."""
    require_positive(amount)
    if amount.currency != line.currency:
        raise InvalidInput("amount", f"amount currency must be {line.currency}")
    occupied, fees_due = repayable or (line.balances.occupied, line.balances.fees_due)
    owed = occupied + fees_due
    if amount > owed:
        reason = Reason(
            ReasonCode.REPAYMENT_EXCEEDS_OWED,
            {
                "amount": amount.format(),
                "owed": owed.format(),
                "occupied": occupied.format(),
                "fees_due": fees_due.format(),
            },
        )
        raise Refused(reason.code.value, reason.message_en, [reason])


def check_refund(hold: Hold, amount: Money, outstanding: Money) -> None:
    """A refund (退款) releases occupancy of a captured hold that is still outstanding."""
    require_positive(amount)
    if hold.status is not HoldStatus.CAPTURED:
        raise Refused(
            ReasonCode.HOLD_NOT_AUTHORIZED.value,
            f"hold {hold.id} is {hold.status.value}, not captured",
            [Reason(ReasonCode.HOLD_NOT_AUTHORIZED, {"status": hold.status.value})],
        )
    refundable = outstanding.min(hold.refundable)
    if amount > refundable:
        raise Refused(
            ReasonCode.REFUND_EXCEEDS_CAPTURED.value,
            f"refund {amount.format()} exceeds the refundable {refundable.format()}",
            [
                Reason(
                    ReasonCode.REFUND_EXCEEDS_CAPTURED,
                    {"amount": amount.format(), "refundable": refundable.format()},
                )
            ],
        )


def refund_transfers(occupancy: Occupancy, amount: Money) -> list[Transfer]:
    """A refund gives its part of the occupancy back to available quota."""
    return [Transfer(Account.OCCUPIED, Account.AVAILABLE, amount, Movement.REFUND, occupancy.id)]
