"""Platform policy (平台政策) as versioned data: parameters, their changes, what is in force."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money

SHANGHAI_OFFSET = timedelta(hours=8)


class Kind(StrEnum):
    INT = "int"
    MONEY = "money"
    RATE = "rate"
    WINDOW = "window"


@dataclass(frozen=True, slots=True)
class Parameter:
    key: str
    kind: Kind
    default: str
    zh: str
    en: str
    minimum: int = 0
    maximum: int = 10**9


PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in (
        Parameter(
            "hold_timeout_days",
            Kind.INT,
            "7",
            "预授权有效天数",
            "days an uncaptured hold lives",
            1,
            90,
        ),
        Parameter(
            "max_single_spend", Kind.MONEY, "1000000.00", "单笔支付上限", "largest single spend"
        ),
        Parameter(
            "large_spend_threshold",
            Kind.MONEY,
            "50000.00",
            "大额支付门槛",
            "a spend above this is large",
        ),
        Parameter(
            "max_large_spends_per_day",
            Kind.INT,
            "5",
            "每日大额支付次数上限",
            "large spends allowed per line per day",
            0,
            1000,
        ),
        Parameter(
            "occupancy_limit_days",
            Kind.INT,
            "30",
            "占用期限（天）",
            "days occupancy may last before the line freezes",
            1,
            365,
        ),
        Parameter(
            "late_fee_daily_rate",
            Kind.RATE,
            "0.0005",
            "滞纳金日费率",
            "late fee per day on overdue occupancy",
        ),
        Parameter(
            "temporary_freeze_hours",
            Kind.INT,
            "24",
            "临时冻结时长（小时）",
            "hours a temporary freeze lasts",
            1,
            24 * 30,
        ),
        Parameter(
            "split_window",
            Kind.WINDOW,
            "10:00-16:00",
            "自动分账时段",
            "working-day hours of automatic splits",
        ),
        Parameter(
            "compensation_cap",
            Kind.MONEY,
            "500.00",
            "单笔补偿上限",
            "most compensation per failed payout",
        ),
        Parameter(
            "after_sale_days",
            Kind.INT,
            "7",
            "售后退款期限（确认收货后天数，7天无理由）",
            "days after confirmation a return is still accepted",
            0,
            365,
        ),
        Parameter(
            "auto_confirm_days",
            Kind.INT,
            "10",
            "自动确认收货（发货后天数）",
            "days after shipping an order confirms itself",
            1,
            365,
        ),
    )
}

_WINDOW = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])")


def parse_value(key: str, text: str) -> str:
    """Validate a policy value and return its canonical text."""
    param = PARAMETERS.get(key)
    if param is None:
        raise InvalidInput("key", f"unknown policy key {key!r}; keys: {', '.join(PARAMETERS)}")
    if param.kind is Kind.INT:
        if not text.isascii() or not text.isdigit() or len(text) > len(str(param.maximum)):
            # The length first: int() of thousands of digits is a crash, not an answer.
            raise InvalidInput(
                "value",
                f"{key} must be a whole number between {param.minimum} and {param.maximum}",
            )
        number = int(text)
        if not param.minimum <= number <= param.maximum:
            raise InvalidInput(
                "value", f"{key} must be between {param.minimum} and {param.maximum}"
            )
        return str(number)
    if param.kind is Kind.MONEY:
        return Money.parse(text, field="value").format()
    if param.kind is Kind.RATE:
        try:
            rate = Decimal(text)
        except InvalidOperation:
            raise InvalidInput("value", f"{key} must be a decimal rate like 0.0005") from None
        if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1) or "e" in text.lower():
            raise InvalidInput("value", f"{key} must be a decimal rate from 0 to below 1")
        return text
    match = _WINDOW.fullmatch(text)
    if match is None or (match.group(1), match.group(2)) >= (match.group(3), match.group(4)):
        raise InvalidInput("value", f"{key} must look like 10:00-16:00, start before end")
    return text


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """One recorded change: ``key`` becomes ``value`` from ``effective_at``; ``version`` orders
    changes as they were recorded."""

    version: int
    key: str
    value: str
    effective_at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    """The policy in force at one instant: every parameter and the version that set it."""

    version: str = "v0"
    values: tuple[tuple[str, str], ...] = ()
    changes: tuple[PolicyChange, ...] = ()

    def raw(self, key: str) -> str:
        for k, v in self.values:
            if k == key:
                return v
        return PARAMETERS[key].default

    def integer(self, key: str) -> int:
        return int(self.raw(key))

    def money(self, key: str, currency: str = "CNY") -> Money:
        return _money(self.raw(key), currency)

    def rate(self, key: str) -> Decimal:
        return Decimal(self.raw(key))

    @property
    def hold_timeout_days(self) -> int:
        return self.integer("hold_timeout_days")

    @property
    def hold_timeout(self) -> timedelta:
        return timedelta(days=self.hold_timeout_days)

    def change_of(self, key: str) -> PolicyChange | None:
        """The change that set ``key`` to the value in force."""
        found = [c for c in self.changes if c.key == key]
        return found[-1] if found else None

    def previous_of(self, key: str) -> PolicyChange | None:
        found = [c for c in self.changes if c.key == key]
        return found[-2] if len(found) > 1 else None


@functools.lru_cache(maxsize=256)
def _money(text: str, currency: str) -> Money:
    return Money.parse(text, currency)


def validity(
    changes: Iterable[PolicyChange], at: datetime
) -> tuple[datetime | None, datetime | None]:
    """The span around ``at`` in which the policy in force does not change: [since, until)."""
    since = max((c.effective_at for c in changes if c.effective_at <= at), default=None)
    until = min((c.effective_at for c in changes if c.effective_at > at), default=None)
    return since, until


def policy_at(changes: Iterable[PolicyChange], at: datetime) -> Policy:
    """The policy in force at ``at``: for every key, the last change effective by then.

    A change never acts before its effective time, so nothing is retroactive. The version is
    the highest recorded version among the changes in force.
    """
    in_force = sorted(
        (c for c in changes if c.effective_at <= at), key=lambda c: (c.effective_at, c.version)
    )
    values: dict[str, str] = {}
    for change in in_force:
        values[change.key] = change.value
    version = max((c.version for c in in_force), default=0)
    return Policy(
        version=f"v{version}",
        values=tuple(sorted(values.items())),
        changes=tuple(in_force),
    )


def seed_changes() -> list[tuple[str, str, datetime, str]]:
    """The seed history: every default from 2020-01-01, and on 2023-09-01 00:00 (Asia/Shanghai)
    the temporary freeze shortened from 72 hours to 24 hours."""
    epoch = datetime(2020, 1, 1, tzinfo=UTC) - SHANGHAI_OFFSET
    rows = [
        (key, "72" if key == "temporary_freeze_hours" else p.default, epoch, "seed")
        for key, p in PARAMETERS.items()
    ]
    cut = datetime(2023, 9, 1, tzinfo=UTC) - SHANGHAI_OFFSET
    rows.append(
        (
            "temporary_freeze_hours",
            "24",
            cut,
            "临时冻结由72小时缩短为24小时 / temporary freeze shortened to 24 hours",
        )
    )
    return rows
