"""SQL of the work on cases (工单): a case under its row lock, and its append-only history."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update

from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.cases import Case, CaseAction, CaseEntry, CaseStatus
from creditline.domain.errors import NotFound


def _entry(r: Any) -> CaseEntry:
    return CaseEntry(r.seq, CaseAction(r.action), r.actor, r.at, r.assignee, r.note)


class SqlCases(SqlRepo):
    """The ``cases`` port on SQL."""

    def lock_case(self, case_id: str) -> Case:
        return self._case(case_id, lock=True)

    def read_case(self, case_id: str) -> Case:
        return self._case(case_id, lock=False)

    def _case(self, case_id: str, *, lock: bool) -> Case:
        query = select(t.cases).where(t.cases.c.id == case_id)
        # SQLite's write transaction holds the database already; PostgreSQL locks the row, so
        # two operators closing one case take turns and the second is told it is closed.
        r = self._exec(query.with_for_update() if lock else query).first()
        if r is None:
            raise NotFound("case", f"case: no such case {case_id!r}")
        h = t.case_history
        rows = self._exec(select(h).where(h.c.case_id == case_id).order_by(h.c.seq))
        return Case(
            id=r.id,
            kind=r.kind,
            party_id=r.party_id,
            subject=r.subject,
            status=CaseStatus(r.status),
            details=json.loads(r.details),
            opened_at=r.opened_at,
            history=tuple(_entry(e) for e in rows),
        )

    def append_history(self, case_id: str, entry: CaseEntry) -> None:
        self._exec(
            insert(t.case_history),
            {
                "case_id": case_id,
                "seq": entry.seq,
                "action": entry.action.value,
                "actor": entry.by,
                "assignee": entry.assignee,
                "note": entry.note,
                "at": entry.at,
            },
        )

    def set_case_status(self, case_id: str, status: CaseStatus) -> None:
        self._exec(update(t.cases).where(t.cases.c.id == case_id).values(status=status.value))
