"""Use cases of periodic limit reviews (额度复审, R19): review every active line (or one party's)
now, review the lines that fall due on the policy's schedule (the worker), show a run and a
line's outcomes, and take a consumer's credit score and income as the bureau reports them.

A run is recorded as it starts (an operator's run is audited in that transaction) and each
line is reviewed in a transaction of its own under its lock, so a run cut short leaves every
reviewed line consistent and the next run simply reviews again: the same facts give the same
limit, and no reduction compounds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.quota.parties import PartyKind
from creditline.domain.workdays import iso_local
from creditline.service.credit.review_line import outcome_json, review_line
from creditline.service.credit.review_ports import ReviewRun
from creditline.service.idempotency import Answer, once, retried
from creditline.service.ids import new_id
from creditline.service.uow import Database, UnitOfWork

#: ``progress(done, total)``: lines reviewed so far, lines in the run.
Progress = Callable[[int, int], None]
#: The changed lines an answer lists (the counts cover them all).
LISTED = 100
MANUAL, SCHEDULE = "manual", "schedule"


@dataclass
class _Tally:
    reviewed: int = 0
    raised: int = 0
    lowered: int = 0
    unchanged: int = 0
    pending: int = 0  # lowered lines whose reduction still waits for used quota
    by_reason: Counter[str] = field(default_factory=Counter)
    changes: list[dict[str, Any]] = field(default_factory=list)

    def add(self, body: dict[str, Any] | None) -> None:
        if body is None:
            return
        self.reviewed += 1
        decision = body["decision"]
        setattr(self, decision, getattr(self, decision) + 1)
        self.by_reason.update(r["code"] for r in body["reasons"])
        if body["change"] is not None:
            if Money.parse(body["pending_reduction"], body["currency"]).is_positive:
                self.pending += 1
            if len(self.changes) < LISTED:
                self.changes.append(body)

    def counts(self) -> dict[str, Any]:
        return {
            "reviewed": self.reviewed,
            "raised": self.raised,
            "lowered": self.lowered,
            "unchanged": self.unchanged,
            "pending_reductions": self.pending,
            "by_reason": dict(sorted(self.by_reason.items())),
        }


def run_json(run: ReviewRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "trigger": run.trigger,
        "actor": run.actor,
        "party": run.party_id,
        "policy_version": run.policy_version,
        "started_at": iso_local(run.started_at),
        "finished_at": None if run.finished_at is None else iso_local(run.finished_at),
        **run.counts,
    }


def review_limits(
    db: Database, *, party: str | None = None, progress: Progress | None = None, actor: str = ""
) -> Answer:
    """Review every active line now (or the lines of ``party``): raise, lower or keep each
    limit, with reasons; the answer counts them by decision and by reason."""
    with db.transaction() as uow:
        now = uow.reference.now()
        if party is not None:
            uow.parties.get_party(party)  # NotFound names the party
        run = ReviewRun(
            id=new_id("rvw"),
            started_at=now,
            trigger=MANUAL,
            actor=actor,
            party_id=party,
            policy_version=uow.reference.policy(now).version,
        )
        uow.reviews.insert_run(run)
        lines = uow.reviews.lines_to_review(party_id=party, due_before=None)
    return Answer(_run(db, run, lines, progress))


def review_due(db: Database, *, progress: Progress | None = None) -> Answer:
    """Review the lines due on the policy's schedule (``review_interval_days`` since their last
    review, or since they opened); no run is recorded when none is due."""
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        policy = uow.reference.policy(now)
        cutoff = now - timedelta(days=policy.integer("review_interval_days"))
        lines = uow.reviews.lines_to_review(party_id=None, due_before=cutoff)
    if not lines:
        return Answer({"id": None, **_Tally().counts(), "changes": []})
    with db.transaction() as uow:
        now = uow.reference.now()
        run = ReviewRun(
            id=new_id("rvw"),
            started_at=now,
            trigger=SCHEDULE,
            actor="worker",
            policy_version=uow.reference.policy(now).version,
        )
        uow.reviews.insert_run(run)
    return Answer(_run(db, run, lines, progress))


def _run(
    db: Database, run: ReviewRun, lines: list[str], progress: Progress | None
) -> dict[str, Any]:
    tally = _Tally()
    total = len(lines)
    if progress is not None:
        progress(0, total)
    for done, line_id in enumerate(lines, 1):
        tally.add(_review_one(db, line_id, run))
        if progress is not None:
            progress(done, total)
    with db.transaction() as uow:
        finished = uow.reference.now()
        uow.reviews.finish_run(run.id, finished, tally.counts())
    ended = replace(run, finished_at=finished, counts=tally.counts())
    return {**run_json(ended), "changes": tally.changes}


@retried
def _review_one(db: Database, line_id: str, run: ReviewRun) -> dict[str, Any] | None:
    with db.transaction() as uow:
        now = uow.reference.now()
        return review_line(uow, line_id, review_id=run.id, now=now, actor=run.actor)


def show_review(
    db: Database, review_id: str | None = None, *, changed_only: bool = False, limit: int = 200
) -> Answer:
    """A review run (the latest when no id is given) with its outcomes, changed lines only if
    asked; ``{"review": null}`` before the first run."""
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit", "limit must be between 1 and 1000")
    with db.transaction(write=False) as uow:
        run = uow.reviews.latest_run() if review_id is None else uow.reviews.get_run(review_id)
        if run is None:
            return Answer({"review": None, "outcomes": []})
        outcomes = uow.reviews.outcomes_of_run(run.id, changed_only=changed_only, limit=limit)
        return Answer({"review": run_json(run), "outcomes": [outcome_json(o) for o in outcomes]})


def line_reviews(db: Database, line_id: str, *, limit: int = 50) -> Answer:
    """A line's review outcomes, newest first: each decision with its reasons (zh/en) and what
    restores the limit."""
    if not 1 <= limit <= 500:
        raise InvalidInput("limit", "limit must be between 1 and 500")
    with db.transaction(write=False) as uow:
        uow.lines.read_line(line_id)  # NotFound names the line
        outcomes = uow.reviews.outcomes_of_line(line_id, limit=limit)
        return Answer({"line": line_id, "outcomes": [outcome_json(o) for o in outcomes]})


def update_credit_facts(
    db: Database,
    party_id: str,
    *,
    credit_score: int | None = None,
    income: str | None = None,
    key: str | None = None,
) -> Answer:
    """A consumer's credit score and monthly income as the credit bureau reports them now
    (征信更新); the next review compares them with the last one's."""
    if credit_score is None and income is None:
        raise InvalidInput("credit_score", "give credit_score, income or both")
    if credit_score is not None and not 300 <= credit_score <= 950:
        raise InvalidInput("credit_score", "credit_score must be between 300 and 950")
    money = None if income is None else Money.parse(income, field="income")

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        party = uow.parties.get_party(party_id)
        if party.kind is not PartyKind.CONSUMER:
            raise InvalidInput("party", "credit score and income are kept for consumers")
        score = party.credit_score if credit_score is None else credit_score
        monthly = party.income if money is None else money
        uow.reviews.set_credit_facts(party_id, score, monthly)
        body = {
            "party": party_id,
            "credit_score": score,
            "income": None if monthly is None else monthly.format(),
            "previous_credit_score": party.credit_score,
            "previous_income": None if party.income is None else party.income.format(),
        }
        uow.events.emit("party.credit_updated", body, now, party_id=party_id)
        return Answer(body)

    return once(
        db,
        key=key,
        command="party.credit",
        params={"party": party_id, "credit_score": credit_score, "income": income},
        effect=effect,
        scope=f"party:{party_id}",
    )
