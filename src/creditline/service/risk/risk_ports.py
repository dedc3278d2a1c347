"""Ports of the risk context (风控): identifiers, features, decisions, rule sets, rings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from creditline.domain.risk.decisions import Decision, Review
from creditline.domain.risk.features import HistoryFeatures, LinkedActivity
from creditline.domain.risk.learned import ModelScore
from creditline.domain.risk.rings import Flow
from creditline.domain.risk.rules import RuleSet

#: The values the ports carry that live in the domain are re-exported for the adapters.
__all__ = [
    "Decision",
    "HistoryFeatures",
    "IdentifierRow",
    "LinkedActivity",
    "RingRepo",
    "RiskRepo",
    "RuleSetRepo",
    "RuleSetRow",
    "ScoringModel",
]


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


class RiskRepo(Protocol):
    """Identifiers and links, logins, history features and scored decisions (风控)."""

    def add_identifiers(self, party_id: str, items: list[tuple[str, str]], now: datetime) -> int:
        """Link identifiers (kind, value) to a party; returns how many were new."""

    def identifiers_of(self, party_id: str) -> list[tuple[str, str]]:
        """A party's identifiers as (kind, value)."""

    def links_of(self, party_id: str) -> dict[str, set[str]]:
        """Other parties sharing an identifier with this one, by kind."""

    def link_strengths(self, party_id: str) -> dict[str, Decimal]:
        """How strongly each party sharing an identifier is tied to this one (0-1, two places):
        each identifier weighted by its kind and by how many parties share it
        (``domain.risk.flows.identifier_weight``)."""

    def all_identifiers(self) -> list[IdentifierRow]:
        """Every identifier row (the ring job's graph)."""

    def insert_login(
        self, party_id: str, login_id: str, device: str, ip: str, now: datetime
    ) -> tuple[bool, bool]:
        """Record a login; returns (new device, new ip) for the party."""

    def history_features(
        self, *, line_id: str | None, party_id: str, now: datetime
    ) -> HistoryFeatures:
        """The history around a request, in one round trip."""

    def linked_activity(
        self,
        *,
        line_id: str | None,
        party_id: str,
        linked: dict[str, set[str]],
        now: datetime,
        near: int,
        threshold: int,
        horizon: timedelta = timedelta(days=45),
    ) -> LinkedActivity:
        """What the party's linked parties did, and money that came back: within 7 days and
        within ``horizon``, from whoever the holder paid (linked or not) and its strong links;
        with what the holder paid those counterparties in the horizon."""

    def insert_decision(self, d: Decision) -> None:
        """Store a scored event."""

    def get_decision(self, party_id: str, decision_id: str) -> Decision:
        """One scored event (NotFound if none)."""

    def pending_review_of(self, subject: str) -> Decision | None:
        """The pending review of a subject (a hold), if any."""

    def pending_reviews(self, limit: int) -> list[Decision]:
        """The review queue, oldest first."""

    def recent_declines(self, party_id: str, floor: str) -> list[Decision]:
        """The party's declines with ids above ``floor`` (time-ordered ids)."""

    def decide(
        self,
        party_id: str,
        decision_id: str,
        *,
        review: Review,
        by: str,
        note: str,
        now: datetime,
    ) -> None:
        """Record an operator's decision on a review."""

    def decisions_between(self, start: datetime | None, end: datetime | None) -> Iterator[Decision]:
        """Scored events in [start, end), oldest first."""

    def count_decisions(self, start: datetime | None, end: datetime | None) -> int:
        """How many scored events lie in [start, end)."""


class RuleSetRepo(Protocol):
    """Versioned rule sets (风控规则); version 0 is the shipped default."""

    def latest_rule_seq(self) -> int:
        """The newest rule set version (0 when none was loaded)."""

    def rule_set(self, seq: int) -> RuleSet:
        """The parsed rule set of a version."""

    def rule_set_row(self, version: int) -> RuleSetRow:
        """A rule set as stored (NotFound if none)."""

    def rule_set_rows(self) -> list[RuleSetRow]:
        """Every stored rule set, oldest first."""

    def insert_rule_set(self, rule_set: RuleSet, note: str, now: datetime) -> None:
        """Store a new live version."""

    def latest_model_seq(self) -> int:
        """The newest learned-model version (0, the shipped one, when none was loaded)."""

    def model(self, seq: int) -> ScoringModel | None:
        """The learned model of a version, loaded once per process (None: none shipped)."""

    def model_row(self, version: int) -> RuleSetRow:
        """A model document as stored (NotFound if none)."""

    def model_rows(self) -> list[RuleSetRow]:
        """Every stored model, oldest first."""

    def insert_model(self, row: RuleSetRow) -> None:
        """Store a new model version (its document is JSON)."""


class ScoringModel(Protocol):
    """A learned model as scoring sees it (``adapters.risk.learned_model``)."""

    version: int

    def score(self, values: Mapping[str, Any], *, explain_from: int) -> ModelScore:
        """The score (0-100) of one event, with its top factors from ``explain_from`` up."""


class RingRepo(Protocol):
    """Labels, the money flows the ring job reads, and the rings it found (套现团伙)."""

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
    ) -> None:
        """Label a subject as fraud or honest."""

    def labels(self, kind: str) -> dict[str, tuple[str, str | None, str | None]]:
        """Labels of one kind: subject -> (label, pattern, ring)."""

    def spend_flows(self, since: datetime | None) -> list[Flow]:
        """Spends with a counterparty, as money flows."""

    def order_flows(self, since: datetime | None) -> list[Flow]:
        """Orders between parties, as money flows."""

    def ring_of_members(self, members: list[str]) -> str | None:
        """The known ring with exactly these members, if any."""

    def ring_of_party(self, party_id: str) -> dict[str, Any] | None:
        """The ring the party is a member of: id, members, score, pattern, evidence, case."""

    def save_ring(self, ring: dict[str, Any], *, new: bool, now: datetime) -> None:
        """Store a ring (new, or seen again)."""

    def ring_case(self, ring_id: str) -> str:
        """The case opened for a ring."""
