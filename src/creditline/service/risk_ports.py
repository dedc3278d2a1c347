"""What the risk use cases read and write: the store's risk half (风控)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from creditline.domain.rings import Flow
from creditline.domain.risk import RuleSet


@dataclass(frozen=True, slots=True)
class HistoryFeatures:
    """One round trip of history around a request (see the adapter's SPEND_FEATURES)."""

    spend_counts: tuple[int, ...]  # 1h, 24h, 7d, 30d
    spend_sums: tuple[int, ...]  # minor units, same windows
    declined_24h: int
    forbidden_7d: int
    near_threshold_24h: int
    refunds_30d: int
    spends_with_counterparty_30d: int
    orders_30d: int
    returns_30d: int
    logins_24h: int
    new_device_logins_24h: int
    distinct_ips_24h: int
    links: int
    #: The line's running totals before this request (see ``counters_after``).
    totals: tuple[int, ...] = (0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class LinkedActivity:
    strong: int = 0
    near_threshold_24h: int = 0
    forbidden_7d: int = 0
    linked_spends_30d: int = 0
    money_back_7d: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    """One scored event (spend, withdrawal, login) as stored."""

    id: str
    party_id: str
    line_id: str | None
    event: str
    subject: str
    amount: int
    outcome: str
    score: int
    reasons: list[dict[str, Any]]
    rule_set_version: int
    policy_version: str
    features: dict[str, Any]
    review: str
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class IdentifierRow:
    party_id: str
    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class RuleSetRow:
    version: int
    name: str
    digest: str
    document: str
    note: str
    loaded_at: datetime | None = field(default=None)


class RiskStore(Protocol):
    def add_identifiers(
        self, party_id: str, items: list[tuple[str, str]], now: datetime
    ) -> int: ...
    def identifiers_of(self, party_id: str) -> list[tuple[str, str]]: ...
    def links_of(self, party_id: str) -> dict[str, set[str]]: ...
    def all_identifiers(self) -> list[IdentifierRow]: ...
    def insert_login(
        self, party_id: str, login_id: str, device: str, ip: str, now: datetime
    ) -> tuple[bool, bool]: ...
    def latest_rule_seq(self) -> int: ...
    def rule_set(self, seq: int) -> RuleSet: ...
    def rule_set_row(self, version: int) -> RuleSetRow: ...
    def rule_set_rows(self) -> list[RuleSetRow]: ...
    def insert_rule_set(self, rule_set: RuleSet, note: str, now: datetime) -> None: ...
    def history_features(
        self, *, line_id: str | None, party_id: str, now: datetime
    ) -> HistoryFeatures: ...
    def linked_activity(
        self,
        *,
        line_id: str | None,
        party_id: str,
        linked: dict[str, set[str]],
        now: datetime,
        near: int,
        threshold: int,
    ) -> LinkedActivity: ...
    def insert_decision(self, d: Decision) -> None: ...
    def get_decision(self, party_id: str, decision_id: str) -> Decision: ...
    def pending_review_of(self, subject: str) -> Decision | None: ...
    def pending_reviews(self, limit: int) -> list[Decision]: ...
    def recent_declines(self, party_id: str, floor: str) -> list[Decision]: ...
    def decide(
        self,
        party_id: str,
        decision_id: str,
        *,
        review: str,
        by: str,
        note: str,
        now: datetime,
    ) -> None: ...
    def decisions_between(
        self, start: datetime | None, end: datetime | None
    ) -> Iterator[Decision]: ...
    def count_decisions(self, start: datetime | None, end: datetime | None) -> int: ...
    def set_label(
        self,
        kind: str,
        subject: str,
        label: str,
        *,
        pattern: str | None,
        ring: str | None,
        source: str,
        now: datetime,
    ) -> None: ...
    def labels(self, kind: str) -> dict[str, tuple[str, str | None, str | None]]: ...
    def spend_flows(self, since: datetime | None) -> list[Flow]: ...
    def order_flows(self, since: datetime | None) -> list[Flow]: ...
    def ring_of_members(self, members: list[str]) -> str | None: ...
    def save_ring(self, ring: dict[str, Any], *, new: bool, now: datetime) -> None: ...
    def ring_case(self, ring_id: str) -> str: ...
