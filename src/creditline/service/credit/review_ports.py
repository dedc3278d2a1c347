"""The port of periodic limit reviews (额度复审): a line's review facts in a few indexed reads,
the review runs and their per-line outcomes, and a consumer's credit score and income as the
credit bureau reports them (征信更新)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from creditline.domain.money import Money
from creditline.domain.quota.documents import Document
from creditline.domain.quota.limits import LimitChange


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What the database knows of one line for its review (the line's balances and target
    come with its lock)."""

    category: str | None
    credit_score: int | None
    income_minor: int | None
    opened_at: datetime
    orders: int  # the party's orders created since the window's start
    returns: int  # ... of which returned, whole or part
    last_spend_at: datetime | None  # the line's newest hold that was not declined
    overdue: int  # open occupancies captured before the overdue cut-off
    last_freeze_at: datetime | None
    previous_facts: dict[str, Any] | None  # the facts of the line's previous review
    documents: list[Document] = field(default_factory=list)  # merchants' only
    changes: list[LimitChange] = field(default_factory=list)  # the newest limit changes


@dataclass(frozen=True, slots=True)
class ReviewRun:
    """One run of the review job over every line (or one party's)."""

    id: str
    started_at: datetime
    trigger: str  # "manual" (an operator) or "schedule" (the worker)
    actor: str = ""
    party_id: str | None = None
    policy_version: str = ""
    finished_at: datetime | None = None
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What a review (or a resubmitted document) decided for one line."""

    id: str
    line_id: str
    party_id: str
    review_id: str | None  # None: restored at once by a resubmitted document
    decision: str
    from_limit: Money
    to_limit: Money
    base_limit: Money
    pending: Money  # of a reduction, what still waits for used quota to come back
    reasons: list[dict[str, Any]]
    facts: dict[str, Any]
    change_id: str | None
    policy_version: str
    at: datetime


class ReviewRepo(Protocol):
    """Review facts, runs and outcomes."""

    def lines_to_review(self, *, party_id: str | None, due_before: datetime | None) -> list[str]:
        """Active lines, oldest first: a party's, or every one; with ``due_before``, only those
        neither reviewed nor opened since then."""

    def line_facts(
        self,
        line_id: str,
        party_id: str,
        *,
        orders_since: datetime,
        overdue_before: datetime,
        merchant: bool,
        changes: int,
    ) -> LineFacts:
        """The line's review facts: its ``changes`` newest limit changes, and documents for a
        merchant only."""

    def insert_run(self, run: ReviewRun) -> None:
        """Record a run as it starts."""

    def finish_run(self, run_id: str, finished_at: datetime, counts: dict[str, Any]) -> None:
        """Record a run's end and its counts."""

    def get_run(self, run_id: str) -> ReviewRun:
        """One run (NotFound if none)."""

    def latest_run(self) -> ReviewRun | None:
        """The newest run, if any."""

    def insert_outcome(self, outcome: ReviewOutcome) -> None:
        """Record one line's outcome (numbered in the line's order; the caller holds its lock)."""

    def outcomes_of_line(self, line_id: str, *, limit: int) -> list[ReviewOutcome]:
        """A line's outcomes, newest first."""

    def outcomes_of_run(
        self, run_id: str, *, changed_only: bool, limit: int
    ) -> list[ReviewOutcome]:
        """A run's outcomes in the order they were made."""

    def set_credit_facts(
        self, party_id: str, credit_score: int | None, income: Money | None
    ) -> None:
        """Store a consumer's credit score and monthly income as reported now."""
