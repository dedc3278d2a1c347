"""Split settlement (分账): split rules, exact allocation, and the window splits run in."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from creditline.domain.errors import InvalidInput
from creditline.domain.workdays import SHANGHAI, WorkCalendar

TOTAL_BP = 10_000  # shares are kept in basis points; 100% = 10,000


class ShareKind(StrEnum):
    REPAYMENT = "repayment"  # repays occupied quota and fees
    SUPPLIER = "supplier"  # a whitelisted supplier (供应商白名单)
    MERCHANT = "merchant"  # the merchant's own balance


class SupplierTier(StrEnum):
    CORE = "core"  # 核心供应商
    ORDINARY = "ordinary"  # 普通供应商


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

    @property
    def repayment_bp(self) -> int:
        return sum(s.bp for s in self.shares if s.kind is ShareKind.REPAYMENT)

    def text(self) -> str:
        return ",".join(f"{s.label}:{_percent(s.bp)}" for s in self.shares)


def _percent(bp: int) -> str:
    whole, frac = divmod(bp, 100)
    return f"{whole}" if frac == 0 else f"{whole}.{frac:02d}"


_PART = re.compile(r"(repayment|merchant|supplier:([A-Za-z0-9_]+)):([0-9]{1,3}(?:\.[0-9]{1,2})?)")


def parse_rule(
    text: str, suppliers: Mapping[str, SupplierTier], *, ordinary_max_bp: int = 3000
) -> tuple[Share, ...]:
    """``"repayment:40,supplier:SUP_ID:50,merchant:10"``: whole percent or up to two decimals
    (basis points). Every share names a kind once; the shares add up to exactly 100%."""
    shares: list[Share] = []
    seen: set[str] = set()
    for part in text.split(","):
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
        if name in seen:
            raise InvalidInput("rule", f"{name} appears twice in the rule")
        seen.add(name)
        if supplier_id is not None:
            tier = suppliers.get(supplier_id)
            if tier is None:
                raise InvalidInput("rule", f"supplier {supplier_id} is not on the whitelist")
            if tier is SupplierTier.ORDINARY and bp > ordinary_max_bp:
                raise InvalidInput(
                    "rule",
                    f"ordinary supplier {supplier_id} may take at most "
                    f"{_percent(ordinary_max_bp)}%",
                )
            shares.append(Share(ShareKind.SUPPLIER, bp, supplier_id))
        else:
            shares.append(Share(ShareKind(name), bp))
    total = sum(s.bp for s in shares)
    if total != TOTAL_BP:
        raise InvalidInput("rule", f"shares add up to {_percent(total)}%, not 100%")
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


def parse_window(text: str) -> tuple[time, time]:
    start, _, end = text.partition("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def next_window(calendar: WorkCalendar, at: datetime, window: str) -> datetime:
    """``at`` if it falls inside the split window of a working day (Asia/Shanghai), else the
    next opening of the window."""
    opens, closes = parse_window(window)
    local = at.astimezone(SHANGHAI)
    day: date = local.date()
    if calendar.info(day).is_workday:
        if opens <= local.time() < closes:
            return at
        if local.time() < opens:
            return datetime.combine(day, opens, SHANGHAI).astimezone(UTC)
    for _ in range(60):
        day += timedelta(days=1)
        if calendar.info(day).is_workday:
            return datetime.combine(day, opens, SHANGHAI).astimezone(UTC)
    raise ValueError("no working day within 60 days")
