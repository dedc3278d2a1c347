"""Ports of the quota context (额度): lines and their book, holds and occupancy, freezes,
parties and their documents."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from creditline.domain.ledger import Balances, Head, PostedTransfer
from creditline.domain.ledger_trail import OccupancyRecord
from creditline.domain.money import Money
from creditline.domain.quota.documents import Document
from creditline.domain.quota.evaluation import OccupancySummary, OpenHold
from creditline.domain.quota.freezes import Freeze, FreezeStatus
from creditline.domain.quota.limits import LimitChange, LimitRequest
from creditline.domain.quota.lines import Hold, HoldStatus, LineState, LineStatus, Occupancy
from creditline.domain.quota.parties import Party
from creditline.service.ledger_posting import BookRepo
from creditline.service.reference_ports import StoredResponse


@dataclass(frozen=True, slots=True)
class LockedLine:
    """A line read under its row lock (or, for a diagnosis or a view, without it), with the
    head of its ledger chain and the summary that tells the spend rules where to look."""

    state: LineState
    seq: int
    head_hash: str
    #: The stored answer for the request's idempotency key, read in the same statement.
    stored: StoredResponse | None = None
    open_freezes: int = 0
    #: How many of its orders occupy quota (a running count kept with the occupancy rows).
    open_orders: int = 0
    oldest_occupancy: datetime | None = None
    licence_expires_on: date | None = None
    policy_seq: int = 0
    rule_seq: int = 0
    party_created_at: datetime | None = None

    @property
    def head(self) -> Head:
        return Head(self.state.id, self.seq, self.head_hash, self.state.balances)

    def moved_to(self, head: Head) -> LockedLine:
        """The line after a posting that left its book at ``head``."""
        state = replace(self.state, balances=head.balances)
        return replace(self, state=state, seq=head.seq, head_hash=head.hash)


class LineRepo(BookRepo, Protocol):
    """Credit lines and their hash-chained book (账本)."""

    def insert_line(
        self, *, line_id: str, party_id: str, product: str, currency: str, now: datetime
    ) -> None:
        """Create a line pending activation, with an empty chain."""

    def lock_line(
        self, line_id: str, key: str | None = None, *, for_spend: bool = False
    ) -> LockedLine:
        """The line under its row lock, with the answer stored for ``key`` (NotFound if none).
        ``for_spend``: a spend will be scored next; the store may read its history features
        in the same round trip, after the lock."""

    def read_line(self, line_id: str) -> LockedLine:
        """The same view as ``lock_line`` without taking the lock (NotFound if none)."""

    def set_line_status(self, line_id: str, status: LineStatus, now: datetime) -> None:
        """Change the line's status."""

    def line_ids(self) -> Iterator[str]:
        """Every line id, in order."""

    def transfers_of(self, line_id: str) -> Iterator[PostedTransfer]:
        """The line's transfers in chain order."""

    def day_ends(self, line_id: str, first: date, last: date) -> list[tuple[date, Balances]]:
        """The line's balances at the end of each day in [first, last] it moved, and of the
        last day before ``first`` it moved (if any), oldest first."""

    def lines_of_party(self, party_id: str) -> list[str]:
        """The ids of a party's lines, oldest first."""

    def open_line_of(self, party_id: str, product: str) -> str | None:
        """The party's line of ``product`` that is not closed, if any (one at most)."""

    def order_refs(self, line_id: str) -> dict[str, str | None]:
        """For each hold of the line, the order it was for (statements)."""

    def set_limit_target(self, line_id: str, target: Money | None, now: datetime) -> None:
        """Record the limit the line should have (``None``: the book's limit is the limit)."""

    def insert_limit_change(self, change: LimitChange) -> None:
        """Record one limit change."""

    def limit_changes(self, line_id: str, *, limit: int = 100) -> list[LimitChange]:
        """The line's limit changes, newest first."""

    def save_limit_request(self, request: LimitRequest) -> None:
        """Insert an increase request, or update it when it is decided."""

    def limit_request(self, line_id: str, request_id: str) -> LimitRequest:
        """One increase request (NotFound if none)."""

    def limit_requests(
        self, *, line_id: str | None = None, status: str | None = None, limit: int = 100
    ) -> list[LimitRequest]:
        """Increase requests, newest first (every line's when ``line_id`` is None)."""

    def lines_with_overdue_occupancy(self, cutoff: datetime) -> list[str]:
        """Lines with open occupancy captured before ``cutoff``."""


class HoldRepo(Protocol):
    """Holds (authorised spends) and the occupancy (占用) their captures leave."""

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
    ) -> None:
        """Store a new hold with its verdict and the line's running totals after it."""

    def get_hold(self, line_id: str, hold_id: str) -> Hold:
        """A hold of the line (NotFound if none)."""

    def update_hold(
        self,
        line_id: str,
        hold_id: str,
        *,
        status: HoldStatus,
        captured: Money,
        refunded: Money,
        now: datetime,
    ) -> None:
        """Store a hold's new status and amounts."""

    def due_holds(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(line, hold) of open holds past their expiry."""

    def open_holds(self, line_id: str) -> list[OpenHold]:
        """The line's authorised, uncaptured holds."""

    def count_large_spends(
        self, line_id: str, start: datetime, end: datetime, threshold: Money
    ) -> int:
        """How many spends above ``threshold`` the line made in [start, end)."""

    def insert_occupancy(self, line_id: str, occ: Occupancy) -> None:
        """Record the occupancy a capture left (all of it outstanding)."""

    def open_occupancies(
        self, line_id: str, *, limit: int | None = None, after: str | None = None
    ) -> list[Occupancy]:
        """The line's unrepaid occupancy, oldest first: at most ``limit``, after the
        occupancy ``after`` (a cursor) when given."""

    def occupancy_summary(self, line_id: str, overdue_before: datetime) -> OccupancySummary:
        """Count and total of the line's unrepaid occupancy, and of the part captured before
        ``overdue_before``."""

    def holds_of(self, line_id: str) -> list[Hold]:
        """Every hold of the line, whatever its status (for ``ledger verify``)."""

    def occupancies_of(self, line_id: str) -> list[OccupancyRecord]:
        """Every occupancy of the line, repaid or not, with its amount (``ledger verify``)."""

    def occupancy_of_hold(self, line_id: str, hold_id: str) -> Occupancy | None:
        """The occupancy a hold's capture left, if any."""

    def reduce_occupancy(self, line_id: str, occupancy_id: str, amount: Money) -> None:
        """Repay ``amount`` of one occupancy."""

    def set_fees_through(self, line_id: str, occupancy_id: str, day: date) -> None:
        """Record the last day a late fee was charged on an occupancy."""

    def fees_through(self, line_id: str) -> dict[str, date | None]:
        """For each open occupancy, the last day a late fee was charged."""


class FreezeRepo(Protocol):
    """Freezes (冻结) of lines, with their history."""

    def insert_freeze(self, freeze: Freeze, now: datetime) -> None:
        """Store a new freeze."""

    def close_freeze(
        self, line_id: str, freeze_id: str, status: FreezeStatus, note: str, now: datetime
    ) -> None:
        """End a freeze (lifted or expired) with a note."""

    def freezes_of(self, line_id: str, *, active_only: bool) -> list[Freeze]:
        """The line's freezes, oldest first."""

    def get_freeze(self, line_id: str, freeze_id: str) -> Freeze:
        """One freeze of the line (NotFound if none)."""

    def freeze_history(self, line_id: str, freeze_id: str) -> dict[str, Any]:
        """A freeze of the line as stored, with who ended it and why."""

    def due_freezes(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(line, freeze) of temporary freezes past their end."""


class PartyRepo(Protocol):
    """Merchants and consumers, their violations and documents."""

    def insert_party(self, party: Party, now: datetime) -> None:
        """Store a new party."""

    def get_party(self, party_id: str) -> Party:
        """A party with its count of open violations (NotFound if none)."""

    def update_party(self, party: Party) -> None:
        """Store a party's verification state."""

    def open_violation(self, violation_id: str, party_id: str, note: str, now: datetime) -> None:
        """Record a violation (违规记录)."""

    def close_violation(self, violation_id: str, now: datetime) -> str:
        """Close a violation; returns its party id (NotFound if none)."""

    def insert_document(self, doc: Document, now: datetime) -> None:
        """Store a submitted document."""

    def documents_of(self, party_id: str) -> list[Document]:
        """A party's documents, oldest first."""

    def has_activity(self) -> bool:
        """Whether any party exists yet."""
