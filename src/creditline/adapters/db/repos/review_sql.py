"""SQL of periodic limit reviews (额度复审). A line's review facts are two indexed reads on the
driver cursor (as the spend path reads, ``hotpath``): one statement for the party, the line's
orders and returns, last spend, overdue occupancy, last freeze, last limit change and previous
review, then a merchant's documents; the outcome is written on the same cursor, so on
PostgreSQL it rides in the commit's round trip. Runs and listings use SQLAlchemy Core."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, exists, insert, select, update

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.errors import NotFound
from creditline.domain.money import Money
from creditline.domain.quota.documents import Document, DocumentType
from creditline.domain.quota.limits import LimitChange, LimitChangeKind
from creditline.domain.quota.lines import LineStatus
from creditline.service.credit.review_ports import LineFacts, ReviewOutcome, ReviewRun

_ro, _rr = t.review_outcomes, t.review_runs

FACTS = hp.Statement(
    "SELECT p.category, p.credit_score, p.income_minor, l.created_at, oo.n_orders, "
    "oo.n_returns, "
    "(SELECT max(h.created_at) FROM holds h "
    " WHERE h.line_id = l.id AND h.status <> 'declined') AS last_spend, "
    "(SELECT count(*) FROM occupancies c "
    " WHERE c.line_id = l.id AND c.outstanding > 0 AND c.captured_at < :overdue) AS n_overdue, "
    "(SELECT max(f.starts_at) FROM freezes f WHERE f.line_id = l.id) AS last_freeze, "
    "(SELECT r.facts FROM review_outcomes r WHERE r.line_id = l.id AND r.review_id IS NOT NULL "
    " ORDER BY r.n DESC LIMIT 1) AS previous "
    "FROM lines l JOIN parties p ON p.id = l.party_id "
    "CROSS JOIN (SELECT count(*) AS n_orders, "
    " coalesce(sum(CASE WHEN o.returned > 0 THEN 1 ELSE 0 END), 0) AS n_returns "
    " FROM orders o WHERE o.merchant_id = :party_id AND o.created_at >= :since) oo "
    "WHERE l.id = :line_id"
)
CHANGES = hp.Statement(
    "SELECT id, kind, previous, target, currency, actor, source, note, reasons, restore_zh, "
    "restore_en, detail, created_at FROM limit_changes WHERE line_id = :line_id "
    "ORDER BY n DESC LIMIT :changes"
)
DOCUMENTS = hp.Statement(
    "SELECT id, type, submitted_on, expires_on FROM documents WHERE party_id = :party_id"
)
INSERT_OUTCOME = hp.Statement(
    "INSERT INTO review_outcomes (line_id, n, id, tenant_id, party_id, review_id, decision, "
    "from_limit, to_limit, base_limit, pending, currency, reasons, facts, change_id, "
    "policy_version, created_at) "
    "SELECT :line_id, coalesce(max(n), 0) + 1, :id, 'default', :party_id, :review_id, "
    ":decision, :from_limit, :to_limit, :base_limit, :pending, :currency, :reasons, :facts, "
    ":change_id, :policy_version, :created_at FROM review_outcomes WHERE line_id = :of_line"
)

#: A line's review outcomes, newest first (the quota page's), built once.
_OUTCOMES_OF_LINE = FastSelect(
    select(_ro)
    .where(_ro.c.line_id == bindparam("line_id"))
    .order_by(_ro.c.n.desc())
    .limit(bindparam("limit"))
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class SqlReviews(SqlRepo):
    """The ``reviews`` port on SQL."""

    def lines_to_review(self, *, party_id: str | None, due_before: datetime | None) -> list[str]:
        ln = t.lines
        query = select(ln.c.id).where(ln.c.status == LineStatus.ACTIVE.value)
        if party_id is not None:
            query = query.where(ln.c.party_id == party_id)
        if due_before is not None:
            reviewed = exists().where(and_(_ro.c.line_id == ln.c.id, _ro.c.created_at > due_before))
            query = query.where(ln.c.created_at <= due_before, ~reviewed)
        return [r.id for r in self._exec(query.order_by(ln.c.created_at, ln.c.id))]

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
        cur = self.cursor
        params = {
            "line_id": line_id,
            "party_id": party_id,
            "since": cur.time(orders_since),
            "overdue": cur.time(overdue_before),
        }
        row = cur.execute(FACTS, params).fetchone()
        if row is None:
            raise NotFound("line", f"line: no such line {line_id!r}")
        documents = []
        if merchant:
            documents = [
                Document(
                    d[0],
                    party_id,
                    DocumentType(d[1]),
                    hp.read_date(d[2]),  # type: ignore[arg-type]
                    hp.read_date(d[3]),
                )
                for d in cur.execute(DOCUMENTS, {"party_id": party_id}).fetchall()
            ]
        recent = [
            _change(line_id, c)
            for c in cur.execute(CHANGES, {"line_id": line_id, "changes": changes}).fetchall()
        ]
        opened = hp.read_time(row[3])
        assert opened is not None
        return LineFacts(
            category=row[0],
            credit_score=row[1],
            income_minor=row[2],
            opened_at=opened,
            orders=int(row[4] or 0),
            returns=int(row[5] or 0),
            last_spend_at=hp.read_time(row[6]),
            overdue=int(row[7] or 0),
            last_freeze_at=hp.read_time(row[8]),
            previous_facts=None if row[9] is None else json.loads(row[9]),
            documents=documents,
            changes=recent,
        )

    def insert_run(self, run: ReviewRun) -> None:
        self._exec(
            insert(_rr).values(
                id=run.id,
                source=run.trigger,
                actor=run.actor,
                party_id=run.party_id,
                policy_version=run.policy_version,
                counts=_json(run.counts),
                started_at=run.started_at,
                finished_at=run.finished_at,
            )
        )

    def finish_run(self, run_id: str, finished_at: datetime, counts: dict[str, Any]) -> None:
        self._exec(
            update(_rr)
            .where(_rr.c.id == run_id)
            .values(finished_at=finished_at, counts=_json(counts))
        )

    def get_run(self, run_id: str) -> ReviewRun:
        row = self._exec(select(_rr).where(_rr.c.id == run_id)).first()
        if row is None:
            raise NotFound("review", f"review: no such review {run_id[:80]!r}")
        return _run(row)

    def latest_run(self) -> ReviewRun | None:
        row = self._exec(select(_rr).order_by(_rr.c.seq.desc()).limit(1)).first()
        return None if row is None else _run(row)

    def insert_outcome(self, outcome: ReviewOutcome) -> None:
        cur = self.cursor
        row = {
            "line_id": outcome.line_id,
            "of_line": outcome.line_id,  # a second name: PostgreSQL types each parameter once
            "id": outcome.id,
            "party_id": outcome.party_id,
            "review_id": outcome.review_id,
            "decision": outcome.decision,
            "from_limit": outcome.from_limit.minor,
            "to_limit": outcome.to_limit.minor,
            "base_limit": outcome.base_limit.minor,
            "pending": outcome.pending.minor,
            "currency": outcome.to_limit.currency,
            "reasons": _json(outcome.reasons),
            "facts": _json(outcome.facts),
            "change_id": outcome.change_id,
            "policy_version": outcome.policy_version,
            "created_at": cur.time(outcome.at),
        }
        cur.write(INSERT_OUTCOME, [row], expect=1)

    def outcomes_of_line(self, line_id: str, *, limit: int) -> list[ReviewOutcome]:
        rows = self._exec(_OUTCOMES_OF_LINE, {"line_id": line_id, "limit": limit})
        return [_outcome(r) for r in rows]

    def outcomes_of_run(
        self, run_id: str, *, changed_only: bool, limit: int
    ) -> list[ReviewOutcome]:
        query = select(_ro).where(_ro.c.review_id == run_id)
        if changed_only:
            query = query.where(_ro.c.change_id.is_not(None))
        rows = self._exec(query.order_by(_ro.c.created_at, _ro.c.line_id).limit(limit))
        return [_outcome(r) for r in rows]

    def set_credit_facts(
        self, party_id: str, credit_score: int | None, income: Money | None
    ) -> None:
        self._exec(
            update(t.parties)
            .where(t.parties.c.id == party_id)
            .values(
                credit_score=credit_score, income_minor=None if income is None else income.minor
            )
        )


def _change(line_id: str, c: Any) -> LimitChange:
    """A row of ``CHANGES`` (as ``lines_sql`` maps the table, read on the driver cursor)."""
    at = hp.read_time(c[12])
    assert at is not None
    return LimitChange(
        id=c[0],
        line_id=line_id,
        kind=LimitChangeKind(c[1]),
        previous=Money(c[2], c[4]),
        target=Money(c[3], c[4]),
        at=at,
        actor=c[5],
        source=c[6],
        note=c[7],
        reasons=tuple(json.loads(c[8])),
        restore_zh=c[9],
        restore_en=c[10],
        detail=json.loads(c[11]),
    )


def _run(row: Row[Any]) -> ReviewRun:
    return ReviewRun(
        id=row.id,
        started_at=row.started_at,
        trigger=row.source,
        actor=row.actor,
        party_id=row.party_id,
        policy_version=row.policy_version,
        finished_at=row.finished_at,
        counts=json.loads(row.counts),
    )


def _outcome(row: Row[Any]) -> ReviewOutcome:
    currency = row.currency
    return ReviewOutcome(
        id=row.id,
        line_id=row.line_id,
        party_id=row.party_id,
        review_id=row.review_id,
        decision=row.decision,
        from_limit=Money(row.from_limit, currency),
        to_limit=Money(row.to_limit, currency),
        base_limit=Money(row.base_limit, currency),
        pending=Money(row.pending, currency),
        reasons=json.loads(row.reasons),
        facts=json.loads(row.facts),
        change_id=row.change_id,
        policy_version=row.policy_version,
        at=row.created_at,
    )
