"""SQL of the appeals port (申诉): appeals keyed by their line, their decision written once,
and their append-only steps."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.credit.appeal_rules import Appeal, AppealOutcome, AppealStatus, AppealStep
from creditline.domain.errors import Conflict, NotFound
from creditline.domain.money import Money

_a = t.appeals
_s = t.appeal_steps
#: A line's appeal under review (each diagnosis asks), built once.
_OPEN_APPEAL = FastSelect(
    select(_a).where(
        _a.c.line_id == bindparam("line_id"), _a.c.status == AppealStatus.SUBMITTED.value
    )
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class SqlAppeals(SqlRepo):
    """The ``appeals`` port on SQL."""

    def insert_appeal(self, appeal: Appeal) -> None:
        self._exec(
            insert(_a).values(
                line_id=appeal.line_id,
                id=appeal.id,
                party_id=appeal.party_id,
                currency=appeal.currency,
                status=appeal.status.value,
                reason=appeal.reason,
                evidence=_json(appeal.evidence),
                submitted_by=appeal.submitted_by,
                created_at=appeal.created_at,
            )
        )

    def get_appeal(self, line_id: str, appeal_id: str) -> Appeal:
        row = self._exec(select(_a).where(_a.c.line_id == line_id, _a.c.id == appeal_id)).first()
        if row is None:
            raise NotFound("appeal", f"appeal: no such appeal {appeal_id[:80]!r}")
        return _appeal(row)

    def open_appeal(self, line_id: str) -> Appeal | None:
        row = self._exec(_OPEN_APPEAL, {"line_id": line_id}).first()
        return None if row is None else _appeal(row)

    def record_decision(self, appeal: Appeal) -> None:
        assert appeal.outcome is not None
        done = self._exec(
            update(_a)
            .where(
                _a.c.line_id == appeal.line_id,
                _a.c.id == appeal.id,
                _a.c.status == AppealStatus.SUBMITTED.value,
            )
            .values(
                status=appeal.status.value,
                outcome=appeal.outcome.value,
                decided_limit=None if appeal.decided_limit is None else appeal.decided_limit.minor,
                lifted_freezes=_json(list(appeal.lifted_freezes)),
                decision_note=appeal.decision_note,
                decided_at=appeal.decided_at,
                decided_by=appeal.decided_by,
            )
        )
        if done.rowcount != 1:
            raise Conflict(f"appeal {appeal.id} was decided concurrently")

    def add_step(
        self,
        line_id: str,
        appeal_id: str,
        *,
        at: datetime,
        actor: str,
        action: str,
        detail: dict[str, Any],
    ) -> int:
        n = self._exec(
            select(func.count()).where(_s.c.line_id == line_id, _s.c.appeal_id == appeal_id)
        ).scalar_one()
        self._exec(
            insert(_s).values(
                line_id=line_id,
                appeal_id=appeal_id,
                n=n + 1,
                at=at,
                actor=actor,
                action=action,
                detail=_json(detail),
            )
        )
        return int(n) + 1

    def steps(self, line_id: str, appeal_id: str) -> list[AppealStep]:
        rows = self._exec(
            select(_s).where(_s.c.line_id == line_id, _s.c.appeal_id == appeal_id).order_by(_s.c.n)
        )
        return [AppealStep(r.n, r.at, r.actor, r.action, json.loads(r.detail)) for r in rows]

    def list_appeals(
        self,
        *,
        line_id: str | None,
        party_id: str | None,
        status: AppealStatus | None,
        limit: int,
    ) -> list[Appeal]:
        query = _appeals(line_id is not None, party_id is not None, status is not None)
        params = {
            "line_id": line_id,
            "party_id": party_id,
            "status": None if status is None else status.value,
            "limit": limit,
        }
        return [_appeal(r) for r in self._exec(query, params)]


@cache
def _appeals(by_line: bool, by_party: bool, by_status: bool) -> FastSelect:
    """Appeals, newest first, filtered by what is given (built once per shape)."""
    query = select(_a)
    if by_line:
        query = query.where(_a.c.line_id == bindparam("line_id"))
    if by_party:
        query = query.where(_a.c.party_id == bindparam("party_id"))
    if by_status:
        query = query.where(_a.c.status == bindparam("status"))
    return FastSelect(
        query.order_by(_a.c.created_at.desc(), _a.c.id.desc()).limit(bindparam("limit"))
    )


def _appeal(row: Any) -> Appeal:
    return Appeal(
        id=row.id,
        line_id=row.line_id,
        party_id=row.party_id,
        currency=row.currency,
        reason=row.reason,
        evidence=json.loads(row.evidence),
        created_at=row.created_at,
        submitted_by=row.submitted_by,
        status=AppealStatus(row.status),
        outcome=None if row.outcome is None else AppealOutcome(row.outcome),
        decided_limit=None if row.decided_limit is None else Money(row.decided_limit, row.currency),
        lifted_freezes=tuple(json.loads(row.lifted_freezes)),
        decision_note=row.decision_note,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
    )
