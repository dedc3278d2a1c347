"""In-memory fake of the cases port: a case (as payouts and the ring job opened it, in
``FakeState.cases``) with its history (see ``tests/fakes.py``)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from creditline.domain.cases import Case, CaseEntry, CaseStatus
from creditline.domain.errors import NotFound

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeCases:
    """The ``cases`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _row(self, case_id: str) -> dict[str, Any]:
        row = next((c for c in self.s.cases if c["id"] == case_id), None)
        if row is None:
            raise NotFound("case", f"case: no such case {case_id!r}")
        return row

    def lock_case(self, case_id: str) -> Case:
        return self.read_case(case_id)

    def read_case(self, case_id: str) -> Case:
        row = self._row(case_id)
        return Case(
            id=row["id"],
            kind=row["kind"],
            party_id=row["party"],
            subject=row["subject"],
            status=CaseStatus(row["status"]),
            details=copy.deepcopy(row["details"]),
            opened_at=datetime.fromisoformat(row["opened_at"]),
            history=tuple(self.s.case_history.get(case_id, [])),
        )

    def append_history(self, case_id: str, entry: CaseEntry) -> None:
        history = self.s.case_history.setdefault(case_id, [])
        if any(e.seq == entry.seq for e in history):
            raise AssertionError(f"case {case_id}: step {entry.seq} written twice")
        history.append(entry)

    def set_case_status(self, case_id: str, status: CaseStatus) -> None:
        self._row(case_id)["status"] = status.value
