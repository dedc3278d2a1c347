"""Freezes (冻结): reasons, scopes, ends; several stand at once and each is lifted on its own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from creditline.domain.errors import InvalidInput
from creditline.domain.ledger import Account, Balances, Movement, Transfer
from creditline.domain.money import Money


class FreezeReason(StrEnum):
    RISK = "risk"
    OCCUPANCY = "occupancy"
    QUALIFICATION = "qualification"
    DISPUTE = "dispute"
    SYSTEM_FAULT = "system_fault"
    OPERATOR = "operator"
    INSTALLMENT_OVERDUE = "installment_overdue"  # 分期逾期: a period overdue past the policy's days


FREEZE_REASON_NAMES: dict[FreezeReason, tuple[str, str]] = {
    FreezeReason.RISK: ("风控", "risk control"),
    FreezeReason.OCCUPANCY: ("额度占用超期", "over-long occupancy"),
    FreezeReason.QUALIFICATION: ("资质过期", "qualification expired"),
    FreezeReason.DISPUTE: ("纠纷", "a dispute"),
    FreezeReason.SYSTEM_FAULT: ("系统故障", "a system fault"),
    FreezeReason.OPERATOR: ("运营操作", "an operator's decision"),
    FreezeReason.INSTALLMENT_OVERDUE: ("分期逾期", "an overdue installment"),
}


class FreezeStatus(StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"
    EXPIRED = "expired"


def parse_reason(text: str) -> FreezeReason:
    try:
        return FreezeReason(text)
    except ValueError:
        raise InvalidInput(
            "reason", f"reason must be one of {', '.join(r.value for r in FreezeReason)}"
        ) from None


@dataclass(frozen=True, slots=True)
class Freeze:
    """A freeze of the whole line (``amount`` is None) or of an amount of it. ``provisional``:
    ``ends_at`` was counted over working days estimated past the known calendar, so the real
    calendar may put it elsewhere; the end stays as computed, and says so for ever."""

    id: str
    line_id: str
    reason: FreezeReason
    starts_at: datetime
    ends_at: datetime | None
    amount: Money | None = None
    status: FreezeStatus = FreezeStatus.ACTIVE
    note: str = ""
    policy_version: str = ""
    provisional: bool = False

    @property
    def whole_line(self) -> bool:
        return self.amount is None

    def in_force(self, now: datetime) -> bool:
        """Standing now: active, started, and not past its end (even before run-due marks it)."""
        return (
            self.status is FreezeStatus.ACTIVE
            and self.starts_at <= now
            and (self.ends_at is None or now < self.ends_at)
        )


def in_force(freezes: Iterable[Freeze], now: datetime) -> list[Freeze]:
    return [f for f in freezes if f.in_force(now)]


def frozen_target(freezes: Iterable[Freeze], now: datetime, currency: str) -> Money:
    """The sum of the amount freezes in force."""
    return Money.total((f.amount for f in in_force(freezes, now) if f.amount is not None), currency)


def sweep_frozen(balances: Balances, target: Money) -> list[Transfer]:
    """Transfers that make the ``frozen`` account hold ``target``, as far as the quota that is
    neither held nor occupied allows: an amount freeze never makes an account negative, and
    quota that frees up later (a repayment, a void) fills the freeze first (R3:
    available = limit - held - occupied - frozen, never below zero)."""
    frozen = balances.frozen
    if not target and not frozen:
        return []  # the common case, on every spend: no amount freeze, nothing frozen
    free = balances.available + frozen
    want = target.min(free).max(Money.zero(balances.currency))
    delta = want - frozen
    if delta.is_positive:
        return [Transfer(Account.AVAILABLE, Account.FROZEN, delta, Movement.FREEZE)]
    if (-delta).is_positive:
        return [Transfer(Account.FROZEN, Account.AVAILABLE, -delta, Movement.UNFREEZE)]
    return []
