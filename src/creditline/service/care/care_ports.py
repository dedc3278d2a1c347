"""The port of the holder's care pages (自测清单, 安全中心, 政策变更): a holder's password hash,
the customer-service figures the platform posts, and the read models the pages measure from
(split timings, risk items, logins and devices)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    """One holder's customer-service figures for one day."""

    party_id: str
    day: date
    chats: int
    answered_within_30s: int
    median_seconds: int


@dataclass(frozen=True, slots=True)
class SplitTiming:
    """A confirmed order's split: when it first became due, and when it was done (None: not
    yet)."""

    order_id: str
    due_at: datetime
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class RiskItem:
    """A risk item about a holder: a decision sent to review (``review``) or a case (``case``),
    when it opened and when it was handled (None: still open)."""

    kind: str
    id: str
    what: str
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeviceSeen:
    """A device a holder logged in from: first and last login from it, and how many."""

    device: str
    first_seen: datetime
    last_seen: datetime
    logins: int


@dataclass(frozen=True, slots=True)
class LoginSeen:
    """One recorded login and the risk decision on it (None when none was recorded)."""

    id: str
    device: str
    ip: str
    device_new: bool
    ip_new: bool
    at: datetime
    outcome: str | None


class CareRepo(Protocol):
    """A holder's password, its service figures, and what the care pages measure."""

    def holder_password_hash(self, party_id: str) -> str | None:
        """The party's password hash; None when it has none (or there is no such party)."""

    def set_holder_password_hash(self, party_id: str, encoded: str) -> None:
        """Keep ``encoded`` as the party's password hash (the party exists)."""

    def save_service_figures(self, figures: ServiceFigures, now: datetime) -> None:
        """Store the day's figures of the party, replacing the day's earlier ones."""

    def service_figures(self, party_id: str, since: date) -> list[ServiceFigures]:
        """The party's figures from ``since`` on, oldest day first."""

    def split_timings(self, party_id: str, since: datetime) -> list[SplitTiming]:
        """The merchant's orders confirmed since ``since`` and due a split, with the first due
        time (before any deferral) and when the split was done."""

    def risk_items(self, party_id: str, since: datetime) -> list[RiskItem]:
        """Reviews and cases about the party opened since ``since``, and any still open."""

    def devices(self, party_id: str) -> list[DeviceSeen]:
        """Every device the party logged in from, most recently seen first."""

    def logins_since(self, party_id: str, since: datetime) -> list[LoginSeen]:
        """The party's logins since ``since``, newest first, with their risk decisions."""
