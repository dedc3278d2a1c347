"""Split settlement (分账): suppliers, split rules, exact allocation, the split window."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from creditline.domain.errors import CalendarExhausted, InvalidInput
from creditline.domain.workdays import SHANGHAI, WorkCalendar

TOTAL_BP = 10_000  # shares are kept in basis points; 100% = 10,000
ORDINARY_LIMIT_BP = 3000  # an ordinary supplier takes less than 30% (分账比例建议: 普通<30%)
#: How far ahead the split window is looked for; past it the calendar itself is wrong.
WINDOW_HORIZON_DAYS = 60


class ShareKind(StrEnum):
    REPAYMENT = "repayment"  # repays occupied quota and fees
    SUPPLIER = "supplier"  # a whitelisted supplier (供应商白名单)
    MERCHANT = "merchant"  # the merchant's own balance


class SupplierTier(StrEnum):
    CORE = "core"  # 核心供应商
    ORDINARY = "ordinary"  # 普通供应商


@dataclass(frozen=True, slots=True)
class Supplier:
    """A whitelisted supplier (供应商) of a merchant, paid by split settlement."""

    id: str
    merchant_id: str
    name: str
    tier: SupplierTier
    account: str


@dataclass(frozen=True, slots=True)
class Share:
    kind: ShareKind
    bp: int
    supplier_id: str | None = None

    @property
    def label(self) -> str:
        return f"supplier:{self.supplier_id}" if self.supplier_id else self.kind.value


@dataclass(frozen=True, slots=True)
class SplitRule:
    version: int
    shares: tuple[Share, ...]

    @classmethod
    def from_text(cls, version: int, text: str) -> SplitRule:
        """A stored rule read back from its ``text()``."""
        return cls(version, tuple(parse_share(part) for part in text.split(",")))

    @property
    def repayment_bp(self) -> int:
        return sum(s.bp for s in self.shares if s.kind is ShareKind.REPAYMENT)

    def text(self) -> str:
        return ",".join(f"{s.label}:{percent(s.bp)}" for s in self.shares)


#: With no rule of its own, a merchant's proceeds repay its quota first; the rest is its own.
DEFAULT_RULE = SplitRule(0, (Share(ShareKind.REPAYMENT, TOTAL_BP),))


def percent(bp: int) -> str:
    """Basis points as the percent a rule is written in: ``6000`` is ``60``, ``1250`` ``12.50``."""
    whole, frac = divmod(bp, 100)
    return f"{whole}" if frac == 0 else f"{whole}.{frac:02d}"


_PART = re.compile(r"(repayment|merchant|supplier:([A-Za-z0-9_]+)):([0-9]{1,3}(?:\.[0-9]{1,2})?)")


def parse_share(part: str) -> Share:
    """One share of a rule: ``repayment:40``, ``supplier:SUP_ID:12.5`` or ``merchant:10``."""
    match = _PART.fullmatch(part.strip())
    if match is None:
        raise InvalidInput(
            "rule",
            f"rule part {part.strip()!r} must look like "
            "repayment:40, supplier:SUP_ID:50 or merchant:10",
        )
    name, supplier_id, pct = match.groups()
    whole, _, frac = pct.partition(".")
    bp = int(whole) * 100 + int(frac.ljust(2, "0") or "0")
    if supplier_id is not None:
        return Share(ShareKind.SUPPLIER, bp, supplier_id)
    return Share(ShareKind(name), bp)


def parse_rule(text: str, suppliers: Mapping[str, Supplier]) -> tuple[Share, ...]:
    """``"repayment:40,supplier:SUP_ID:50,merchant:10"``: whole percent or up to two decimals
    (basis points). Every share names a kind once; the shares add up to exactly 100%."""
    shares: list[Share] = []
    seen: set[str] = set()
    for part in text.split(","):
        share = parse_share(part)
        if share.label in seen:
            raise InvalidInput("rule", f"{share.label} appears twice in the rule")
        seen.add(share.label)
        if share.supplier_id is not None:
            supplier = suppliers.get(share.supplier_id)
            if supplier is None:
                raise InvalidInput("rule", f"supplier {share.supplier_id} is not on the whitelist")
            if supplier.tier is SupplierTier.ORDINARY and share.bp >= ORDINARY_LIMIT_BP:
                raise InvalidInput(
                    "rule",
                    f"share {share.label}:{percent(share.bp)}: an ordinary supplier must take "
                    f"less than {percent(ORDINARY_LIMIT_BP)}%",
                )
        shares.append(share)
    total = sum(s.bp for s in shares)
    if total != TOTAL_BP:
        raise InvalidInput("rule", f"shares add up to {percent(total)}%, not 100%")
    return tuple(shares)


def allocate(amount: int, shares: Sequence[Share]) -> list[int]:
    """Split ``amount`` minor units by the shares exactly: floors, then the fen left over go to
    the largest remainders (ties to the earlier share). Nothing is lost or created."""
    exact = [amount * s.bp for s in shares]
    parts = [e // TOTAL_BP for e in exact]
    left = amount - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] % TOTAL_BP), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def _parse_window(text: str) -> tuple[time, time]:
    start, _, end = text.partition("-")
    return time.fromisoformat(start), time.fromisoformat(end)


@dataclass(frozen=True, slots=True)
class Opening:
    """When a split may run; ``provisional`` when a day it rests on is an estimate past the
    known calendar (the day itself, or a holiday it skipped)."""

    at: datetime
    provisional: bool = False


def next_window(calendar: WorkCalendar, at: datetime, window: str) -> datetime:
    """``at`` if it falls inside the split window of a working day (Asia/Shanghai), else the
    next opening of the window."""
    return window_opening(calendar, at, window).at


def window_opening(calendar: WorkCalendar, at: datetime, window: str) -> Opening:
    """``next_window``, saying whether the answer rests on an estimated working day."""
    opens, closes = _parse_window(window)
    local = at.astimezone(SHANGHAI)
    day: date = local.date()
    info = calendar.info(day)
    provisional = info.provisional
    if info.is_workday:
        if opens <= local.time() < closes:
            return Opening(at, provisional)
        if local.time() < opens:
            return Opening(datetime.combine(day, opens, SHANGHAI).astimezone(UTC), provisional)
    for _ in range(WINDOW_HORIZON_DAYS):
        day += timedelta(days=1)
        info = calendar.info(day)
        provisional = provisional or info.provisional
        if info.is_workday:
            return Opening(datetime.combine(day, opens, SHANGHAI).astimezone(UTC), provisional)
    raise CalendarExhausted(
        f"no working day within {WINDOW_HORIZON_DAYS} days after {local.date().isoformat()}: "
        "check the loaded calendar notices"
    )
