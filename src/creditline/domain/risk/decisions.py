"""Scored events (风控决策) as stored: the decision, its review state and its time-ordered id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.rules import Event, Outcome


class Review(StrEnum):
    """Where a decision stands with the operators; only a ``review`` outcome waits for one."""

    NONE = "none"
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


def review_after(verdict: Outcome) -> Review:
    """The review state an operator's verdict (approve or decline) leaves a decision in."""
    if verdict is Outcome.APPROVE:
        return Review.APPROVED
    if verdict is Outcome.DECLINE:
        return Review.DECLINED
    raise InvalidInput("verdict", "verdict must be approve or decline")


@dataclass(frozen=True, slots=True)
class Decision:
    """One scored event (spend, withdrawal, login) as stored."""

    id: str
    party_id: str
    line_id: str | None
    event: Event
    subject: str
    amount: int
    outcome: Outcome
    score: int
    reasons: list[dict[str, Any]]  # the rules that fired, as ``Fired.to_json`` wrote them
    rule_set_version: int
    policy_version: str
    features: dict[str, Any]  # compact: only those away from their neutral value
    review: Review
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None

    @property
    def flagged(self) -> bool:
        """The rules stopped or held the event (what precision and recall count)."""
        return self.outcome != Outcome.APPROVE

    @property
    def signals(self) -> set[str]:
        """The cash-out patterns of the rules that fired."""
        return {r["signal"] for r in self.reasons}


_PREFIX = "rd_"
_TAIL = 20  # 14 hex digits of microseconds, then 6 random ones


def decision_id_floor(party_id: str, since: datetime) -> str:
    """The smallest id a decision of ``party_id`` made at or after ``since`` can have.

    A decision id names its party (the distribution key of party-level tables) and sorts by
    time within it, so the primary key serves "this party's recent decisions" without an index.
    """
    return f"{_PREFIX}{party_id}_{int(since.timestamp() * 1_000_000):014x}"


def party_of_decision(decision_id: str) -> str:
    """The party a decision id names; a malformed id is bad input."""
    body = decision_id.removeprefix(_PREFIX)
    party, _, tail = body.rpartition("_")
    if not decision_id.startswith(_PREFIX) or not party or len(tail) != _TAIL:
        raise InvalidInput("decision", f"decision {decision_id!r} is not a valid id")
    return party
