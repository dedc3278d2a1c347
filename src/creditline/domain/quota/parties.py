"""Parties (merchants 商家 and consumers 消费者) and the activation prerequisites of a line."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.text import MAX_NAME, printable_text


class PartyKind(StrEnum):
    MERCHANT = "merchant"
    CONSUMER = "consumer"


MERCHANT_CATEGORIES = frozenset(
    {"apparel", "beauty", "digital", "food", "home", "sports", "luxury", "other"}
)


def parse_category(text: str) -> str:
    """One of ``MERCHANT_CATEGORIES``; an empty one is refused like any other unknown one."""
    if text not in MERCHANT_CATEGORIES:
        raise InvalidInput(
            "category", f"category must be one of {', '.join(sorted(MERCHANT_CATEGORIES))}"
        )
    return text


def parse_name(text: str) -> str:
    return printable_text(text, "name", max_length=MAX_NAME, strip=True)


@dataclass(frozen=True, slots=True)
class Party:
    """A holder of lines. Merchant fields and consumer fields sit side by side."""

    id: str
    kind: PartyKind
    name: str
    real_name_verified: bool = False
    qualification_passed: bool = False
    settlement_account: str | None = None
    open_violations: int = 0
    category: str | None = None
    credit_score: int | None = None
    income: Money | None = None


def missing_prerequisites(party: Party) -> list[Reason]:
    """Every prerequisite of activation (R2) that the party lacks, in a fixed order.

    A merchant needs real-name verification, passed qualification review, a bound settlement
    account (结算账户) and no open violation. A consumer needs real-name verification and a bound
    repayment account; qualification review does not apply to consumers.
    """
    missing: list[Reason] = []
    if not party.real_name_verified:
        missing.append(Reason(ReasonCode.REAL_NAME_MISSING, {"party": party.id}))
    if party.kind is PartyKind.MERCHANT and not party.qualification_passed:
        missing.append(Reason(ReasonCode.QUALIFICATION_MISSING, {"party": party.id}))
    if not party.settlement_account:
        missing.append(Reason(ReasonCode.SETTLEMENT_ACCOUNT_MISSING, {"party": party.id}))
    if party.open_violations:
        missing.append(
            Reason(ReasonCode.OPEN_VIOLATION, {"party": party.id, "count": party.open_violations})
        )
    return missing
