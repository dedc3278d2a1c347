"""In-memory fake of the reviews port (额度复审, see ``tests/fakes.py``): a line's review facts
counted by brute force from the fake lines, parties, orders, holds, occupancies, freezes, limit
changes and documents; runs and outcomes kept in the fake state's own attributes."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from creditline.domain.errors import NotFound
from creditline.domain.money import Money
from creditline.domain.quota.lines import HoldStatus, LineStatus
from creditline.service.credit.review_ports import LineFacts, ReviewOutcome, ReviewRun

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeReviews:
    """The ``reviews`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _kept(self, name: str) -> Any:
        return self.s.__dict__.setdefault(name, {} if name == "review_runs" else [])

    def lines_to_review(self, *, party_id: str | None, due_before: datetime | None) -> list[str]:
        outcomes: list[ReviewOutcome] = self._kept("review_outcomes")
        rows = sorted(self.s.lines.values(), key=lambda r: (r["created_at"], r["id"]))
        return [
            r["id"]
            for r in rows
            if r["status"] is LineStatus.ACTIVE
            and (party_id is None or r["party_id"] == party_id)
            and (
                due_before is None
                or (
                    r["created_at"] <= due_before
                    and not any(o.line_id == r["id"] and o.at > due_before for o in outcomes)
                )
            )
        ]

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
        row = self.s.lines.get(line_id)
        if row is None:
            raise NotFound("line", f"line: no such line {line_id!r}")
        party = self.s.parties[party_id]["party"]
        orders = [
            r["order"]
            for r in self.s.orders.values()
            if r["order"].merchant_id == party_id and r["order"].created_at >= orders_since
        ]
        spends = [
            h["created_at"]
            for (lid, _), h in self.s.holds.items()
            if lid == line_id and h["hold"].status is not HoldStatus.DECLINED
        ]
        overdue = [
            o
            for (lid, _), o in self.s.occupancies.items()
            if lid == line_id and o["outstanding"].is_positive and o["captured_at"] < overdue_before
        ]
        freezes = [
            f["freeze"].starts_at for (lid, _), f in self.s.freezes.items() if lid == line_id
        ]
        previous = [
            o for o in self._kept("review_outcomes") if o.line_id == line_id and o.review_id
        ]
        return LineFacts(
            category=party.category,
            credit_score=party.credit_score,
            income_minor=None if party.income is None else party.income.minor,
            opened_at=row["created_at"],
            orders=len(orders),
            returns=sum(1 for o in orders if o.returned > 0),
            last_spend_at=max(spends, default=None),
            overdue=len(overdue),
            last_freeze_at=max(freezes, default=None),
            previous_facts=copy.deepcopy(previous[-1].facts) if previous else None,
            documents=[d for d in self.s.documents if d.party_id == party_id] if merchant else [],
            changes=list(reversed(self.s.limit_changes.get(line_id, [])))[:changes],
        )

    def insert_run(self, run: ReviewRun) -> None:
        self._kept("review_runs")[run.id] = run

    def finish_run(self, run_id: str, finished_at: datetime, counts: dict[str, Any]) -> None:
        runs = self._kept("review_runs")
        runs[run_id] = replace(runs[run_id], finished_at=finished_at, counts=dict(counts))

    def get_run(self, run_id: str) -> ReviewRun:
        run: ReviewRun | None = self._kept("review_runs").get(run_id)
        if run is None:
            raise NotFound("review", f"review: no such review {run_id!r}")
        return run

    def latest_run(self) -> ReviewRun | None:
        runs: dict[str, ReviewRun] = self._kept("review_runs")
        return list(runs.values())[-1] if runs else None

    def insert_outcome(self, outcome: ReviewOutcome) -> None:
        self._kept("review_outcomes").append(copy.deepcopy(outcome))

    def outcomes_of_line(self, line_id: str, *, limit: int) -> list[ReviewOutcome]:
        found = [o for o in self._kept("review_outcomes") if o.line_id == line_id]
        return list(reversed(found))[:limit]

    def outcomes_of_run(
        self, run_id: str, *, changed_only: bool, limit: int
    ) -> list[ReviewOutcome]:
        found = [
            o
            for o in self._kept("review_outcomes")
            if o.review_id == run_id and (o.change_id is not None or not changed_only)
        ]
        return found[:limit]

    def set_credit_facts(
        self, party_id: str, credit_score: int | None, income: Money | None
    ) -> None:
        row = self.s.parties[party_id]
        row["party"] = replace(row["party"], credit_score=credit_score, income=income)
