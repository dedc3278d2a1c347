"""In-memory fakes of every port, so the use cases run without a database.

``FakeDatabase`` implements the ``Database`` port: each transaction works on the shared
``FakeState`` and puts it back as it was if the block raises, which is all the use cases ask of
a transaction. Each repository mirrors its SQL twin's contract (the port's docstrings), not its
SQL: where an answer is derived (a line's oldest occupancy, a feature window), it is computed
by brute force from the rows, so a fake that disagrees with the SQL is easy to see.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from creditline.adapters.holiday_source import ChineseCalendar
from creditline.adapters.simulated_channel import SimulatedChannel
from creditline.domain.policy import Policy, PolicyChange, policy_at, seed_changes
from creditline.domain.workdays import WorkCalendar, iso_local
from creditline.service.ledger_ports import KeyTrust
from creditline.service.reference_ports import StoredResponse
from creditline.service.settlement.settlement_ports import PaymentChannel
from tests.fakes_access import FakeAccess
from tests.fakes_alerts import FakeAlerts
from tests.fakes_appeals import FakeAppeals
from tests.fakes_care import FakeCare
from tests.fakes_cases import FakeCases
from tests.fakes_credit import FakeCredit
from tests.fakes_desk import FakeDesk
from tests.fakes_incidents import FakeIncidents
from tests.fakes_installments import FakeInstallments
from tests.fakes_ledger import FakeCheckpoints, new_signing_key, seal
from tests.fakes_money import FakeFunds, FakeOrders, FakePayouts
from tests.fakes_quota import FakeFreezes, FakeHolds, FakeLines, FakeParties
from tests.fakes_reviews import FakeReviews
from tests.fakes_risk import FakeRings, FakeRisk, FakeRuleSets
from tests.fakes_webhooks import FakeWebhooks

START = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # 2024-05-01 10:00 Asia/Shanghai


@dataclass
class FakeState:
    """Every table the SQL adapter has, as plain Python containers."""

    now: datetime = START
    sandbox: bool = True
    meta: dict[str, str] = field(default_factory=dict)
    policy_changes: list[PolicyChange] = field(default_factory=list)
    calendar_days: dict[date, tuple[bool, str]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    responses: dict[tuple[str, str], StoredResponse] = field(default_factory=dict)
    parties: dict[str, dict[str, Any]] = field(default_factory=dict)
    violations: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: list[Any] = field(default_factory=list)
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfers: dict[str, list[Any]] = field(default_factory=dict)
    holds: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    occupancies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    freezes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    limit_changes: dict[str, list[Any]] = field(default_factory=dict)
    limit_requests: dict[str, Any] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    suppliers: dict[str, Any] = field(default_factory=dict)
    split_rules: dict[str, list[Any]] = field(default_factory=dict)
    funds: dict[str, dict[str, Any]] = field(default_factory=dict)
    funds_transfers: dict[str, list[Any]] = field(default_factory=dict)
    settlements: list[dict[str, Any]] = field(default_factory=list)
    payouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_records: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    case_history: dict[str, list[Any]] = field(default_factory=dict)
    identifiers: list[tuple[str, str, str]] = field(default_factory=list)
    logins: list[dict[str, Any]] = field(default_factory=list)
    rule_sets: list[Any] = field(default_factory=list)
    models: list[Any] = field(default_factory=list)
    decisions: dict[tuple[str, str], Any] = field(default_factory=dict)
    labels: dict[tuple[str, str], tuple[str, str | None, str | None]] = field(default_factory=dict)
    rings: dict[str, dict[str, Any]] = field(default_factory=dict)
    ring_members: dict[str, str] = field(default_factory=dict)
    checkpoints: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    ledger_keys: list[Any] = field(default_factory=list)
    moved: dict[tuple[str, str], Any] = field(default_factory=dict)  # this transaction's heads
    access: dict[str, Any] = field(default_factory=dict)  # operators, keys, audit, responses
    webhooks: dict[str, Any] = field(default_factory=dict)  # endpoints, deliveries, attempts
    alerts: dict[str, Any] = field(default_factory=dict)  # alerts by id


class FakeReference:
    """The ``reference`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def now(self) -> datetime:
        return self.s.now

    def is_sandbox(self) -> bool:
        return self.s.sandbox

    def set_clock(self, at: datetime) -> None:
        self.s.now = at

    def policy(self, at: datetime, seq: int | None = None) -> Policy:
        return policy_at(self.policy_changes(seq), at)

    def policy_changes(self, seq: int | None = None) -> list[PolicyChange]:
        return [c for c in self.s.policy_changes if seq is None or c.version <= seq]

    def insert_policy_change(
        self, key: str, value: str, effective_at: datetime, note: str, now: datetime
    ) -> int:
        version = len(self.s.policy_changes) + 1
        self.s.policy_changes.append(PolicyChange(version, key, value, effective_at, note))
        return version

    def calendar(self) -> WorkCalendar:
        return ChineseCalendar(dict(self.s.calendar_days))

    def save_calendar_days(
        self, days: dict[date, tuple[bool, str]], source: str, now: datetime
    ) -> None:
        self.s.calendar_days.update(days)

    def meta_value(self, key: str) -> str | None:
        return self.s.meta.get(key)

    def set_meta_value(self, key: str, value: str) -> None:
        self.s.meta[key] = value


class FakeEvents:
    """The ``events`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        line_id: str | None = None,
        party_id: str | None = None,
    ) -> int:
        seq = len(self.s.events) + 1
        self.s.events.append(
            {
                "id": seq,
                "type": event_type,
                "line": line_id,
                "party": party_id,
                "payload": copy.deepcopy(payload),
                "created_at": iso_local(now),
            }
        )
        return seq

    def count_events(self, event_types: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.s.events:
            if e["type"] in event_types:
                out[e["type"]] = out.get(e["type"], 0) + 1
        return out

    def events(self, event_type: str | None, after: int, limit: int) -> list[dict[str, Any]]:
        found = [
            e
            for e in self.s.events
            if e["id"] > after and (event_type is None or e["type"] == event_type)
        ]
        return found[:limit]


class FakeIdempotency:
    """The ``idempotency`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def find_response(self, scope: str, key: str) -> StoredResponse | None:
        return self.s.responses.get((scope, key))

    def save_response(
        self,
        scope: str,
        key: str,
        request_hash: str,
        body: dict[str, Any],
        *,
        refused: bool,
        now: datetime,
    ) -> None:
        from creditline.domain.errors import Conflict

        if (scope, key) in self.s.responses:
            raise Conflict("idempotency key written concurrently")
        self.s.responses[scope, key] = StoredResponse(request_hash, copy.deepcopy(body), refused)


class FakeUnitOfWork:
    """One transaction's repositories over the shared state."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.reference = FakeReference(state)
        self.events = FakeEvents(state)
        self.idempotency = FakeIdempotency(state)
        self.parties = FakeParties(state)
        self.lines = FakeLines(state)
        self.holds = FakeHolds(state)
        self.freezes = FakeFreezes(state)
        self.orders = FakeOrders(state)
        self.funds = FakeFunds(state)
        self.payouts = FakePayouts(state)
        self.cases = FakeCases(state)
        self.risk = FakeRisk(state)
        self.rulesets = FakeRuleSets(state)
        self.rings = FakeRings(state)
        self.checkpoints = FakeCheckpoints(state)
        self.access = FakeAccess(state)
        self.webhooks = FakeWebhooks(state)
        self.alerts = FakeAlerts(state)
        self.desk = FakeDesk(state)
        self.care = FakeCare(state)
        self.credit = FakeCredit(state)
        self.appeals = FakeAppeals(state)
        self.reviews = FakeReviews(state)
        self.incidents = FakeIncidents(state)
        self.installments = FakeInstallments(state)

    def read_ahead(self, line_id: str) -> None:
        """Memory has no round trips to save."""
        del line_id


class FakeDatabase:
    """The ``Database`` port in memory: a sandbox whose clock starts at ``START``."""

    def __init__(self, *, now: datetime = START, sandbox: bool = True) -> None:
        self.state = FakeState(now=now, sandbox=sandbox)
        self.key = new_signing_key()
        self.state.meta.update({"sandbox": "1" if sandbox else "0"})
        for version, (key, value, effective_at, note) in enumerate(seed_changes(), 1):
            self.state.policy_changes.append(PolicyChange(version, key, value, effective_at, note))

    @contextmanager
    def transaction(
        self, *, write: bool = True, snapshot: bool = False
    ) -> Iterator[FakeUnitOfWork]:
        # One thread, nothing concurrent: every transaction of the fakes is a snapshot.
        if not write:
            # A read-only transaction changes nothing worth undoing (at most a lazily made
            # empty container or the first sealing key), so it skips the snapshot: the deep
            # copy of the whole state is most of a story's time on the fakes.
            yield FakeUnitOfWork(self.state)
            seal(self.state, self.key, self.state.now)
            return
        before = copy.deepcopy(self.state)
        try:
            yield FakeUnitOfWork(self.state)
            seal(self.state, self.key, self.state.now)
        except BaseException:
            self.state.__dict__.update(before.__dict__)
            raise

    def channel(self, db: Any = None) -> PaymentChannel:
        return SimulatedChannel(db or self)

    def trusted_keys(self) -> KeyTrust:
        return KeyTrust((self.key.public,), "fake")

    def dispose(self) -> None:
        """Nothing to release."""
