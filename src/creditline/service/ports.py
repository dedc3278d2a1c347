"""The ports the use cases need; adapters implement them (SQL store, clocks)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from creditline.domain.calendar import WorkCalendar
from creditline.domain.diagnosis import OpenHold
from creditline.domain.documents import Document
from creditline.domain.freezes import Freeze, FreezeStatus
from creditline.domain.ledger import Balances, PostedTransfer
from creditline.domain.lines import Hold, HoldStatus, LineState, LineStatus, Occupancy
from creditline.domain.parties import Party
from creditline.domain.policy import Policy, PolicyChange
from creditline.service.risk_ports import RiskStore
from creditline.service.settlement_ports import PaymentChannel, SettlementStore


@dataclass(frozen=True, slots=True)
class StoredResponse:
    request_hash: str
    body: dict[str, Any]
    refused: bool


@dataclass(frozen=True, slots=True)
class LockedLine:
    """A line read under its row lock, with the head of its ledger chain."""

    state: LineState
    seq: int
    head_hash: str
    #: The stored answer for the request's idempotency key, read in the same statement.
    stored: StoredResponse | None = None
    open_freezes: int = 0
    oldest_occupancy: datetime | None = None
    licence_expires_on: date | None = None
    policy_seq: int = 0
    rule_seq: int = 0
    party_created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LineRow:
    """A line as stored: identity, status, cached balances and chain head."""

    id: str
    tenant_id: str
    party_id: str
    product: str
    status: LineStatus
    balances: Balances
    seq: int
    head_hash: str
    created_at: datetime


class Store(SettlementStore, RiskStore, Protocol):
    """Everything a use case reads or writes, inside one transaction."""

    def now(self) -> datetime: ...
    def policy(self, at: datetime, seq: int | None = None) -> Policy: ...
    def is_sandbox(self) -> bool: ...
    def set_clock(self, at: datetime) -> None: ...
    def has_activity(self) -> bool: ...

    # idempotency
    def find_response(self, scope: str, key: str) -> StoredResponse | None: ...
    def save_response(
        self,
        scope: str,
        key: str,
        request_hash: str,
        body: dict[str, Any],
        *,
        refused: bool,
        now: datetime,
    ) -> None: ...

    # parties
    def insert_party(self, party: Party, now: datetime) -> None: ...
    def get_party(self, party_id: str) -> Party: ...
    def update_party(self, party: Party) -> None: ...
    def open_violation(
        self, violation_id: str, party_id: str, note: str, now: datetime
    ) -> None: ...
    def close_violation(self, violation_id: str, now: datetime) -> str: ...

    # lines
    def insert_line(
        self, *, line_id: str, party_id: str, product: str, currency: str, now: datetime
    ) -> None: ...
    def lock_line(self, line_id: str, key: str | None = None) -> LockedLine: ...
    def read_line(self, line_id: str) -> LockedLine: ...
    def get_line(self, line_id: str) -> LineRow: ...
    def set_line_status(self, line_id: str, status: LineStatus, now: datetime) -> None: ...
    def post(
        self, locked: LockedLine, posted: Sequence[PostedTransfer], balances: Balances
    ) -> None: ...

    # holds and occupancy
    def insert_hold(
        self,
        hold: Hold,
        *,
        counterparty: str | None,
        reasons: list[dict[str, Any]],
        policy_version: str,
        now: datetime,
        risk_features: dict[str, Any] | None = None,
        rule_set_version: int | None = None,
        counters: dict[str, int] | None = None,
    ) -> None: ...
    def get_hold(self, line_id: str, hold_id: str) -> Hold: ...
    def update_hold(
        self,
        line_id: str,
        hold_id: str,
        *,
        status: HoldStatus,
        captured: int,
        refunded: int,
        now: datetime,
    ) -> None: ...
    def due_holds(self, now: datetime, limit: int) -> list[tuple[str, str]]: ...
    def insert_occupancy(self, line_id: str, occ: Occupancy, amount: int) -> None: ...
    def open_occupancies(self, line_id: str) -> list[Occupancy]: ...
    def occupancy_of_hold(self, line_id: str, hold_id: str) -> Occupancy | None: ...
    def reduce_occupancy(self, line_id: str, occupancy_id: str, amount: int) -> None: ...

    # spend context
    def open_holds(self, line_id: str) -> list[OpenHold]: ...
    def count_large_spends(
        self, line_id: str, start: datetime, end: datetime, threshold: int
    ) -> int: ...

    # freezes
    def insert_freeze(self, freeze: Freeze, now: datetime) -> None: ...
    def close_freeze(
        self, line_id: str, freeze_id: str, status: FreezeStatus, note: str, now: datetime
    ) -> None: ...
    def freezes_of(self, line_id: str, *, active_only: bool) -> list[Freeze]: ...
    def get_freeze(self, line_id: str, freeze_id: str) -> Freeze: ...
    def freeze_history(self, freeze_id: str) -> dict[str, Any]: ...
    def due_freezes(self, now: datetime, limit: int) -> list[tuple[str, str]]: ...
    def lines_with_overdue_occupancy(self, cutoff: datetime) -> list[str]: ...
    def set_fees_through(self, line_id: str, occupancy_id: str, day: date) -> None: ...
    def fees_through(self, line_id: str) -> dict[str, date | None]: ...

    # documents
    def insert_document(self, doc: Document, now: datetime) -> None: ...
    def documents_of(self, party_id: str) -> list[Document]: ...

    # policy, calendar, events
    def policy_changes(self, seq: int | None = None) -> list[PolicyChange]: ...
    def insert_policy_change(
        self, key: str, value: str, effective_at: datetime, note: str, now: datetime
    ) -> int: ...
    def calendar(self) -> WorkCalendar: ...
    def save_calendar_days(
        self, days: dict[date, tuple[bool, str]], source: str, now: datetime
    ) -> None: ...
    def emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        line_id: str | None = None,
        party_id: str | None = None,
    ) -> int: ...
    def events(self, event_type: str | None, after: int, limit: int) -> list[dict[str, Any]]: ...

    # verification
    def line_ids(self) -> Iterator[str]: ...
    def transfers_of(self, line_id: str) -> Iterator[PostedTransfer]: ...


class Database(Protocol):
    """Opens transactions (``write=True`` takes the write lock up front, SQLite IMMEDIATE);
    ``channel`` is the payment channel payouts go through."""

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Store]: ...
    def channel(self, store: Store) -> PaymentChannel: ...
