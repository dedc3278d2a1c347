"""Cases (工单) for operators: where a case stands, its history, and what may be done to it.

Payouts that failed three times and cash-out rings open cases; operators assign and close
them. Each step is an entry of the case's history (who, when, what, why), never edited, so
the case answers for every operator action on it (R28).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from creditline.domain.errors import Refused
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.workdays import iso_local

#: Who opens a case: the jobs (payouts, the ring job), not an operator.
OPENED_BY = "creditline"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseAction(StrEnum):
    OPENED = "opened"  # told by the case row itself: a job opened it
    ASSIGNED = "assigned"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CaseEntry:
    """One step of a case's history."""

    seq: int
    action: CaseAction
    by: str
    at: datetime
    assignee: str | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "action": self.action.value,
            "by": self.by,
            "at": iso_local(self.at),
            "assignee": self.assignee,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Case:
    """A case with the history operators wrote on it (``history``: oldest first)."""

    id: str
    kind: str
    party_id: str | None
    subject: str
    status: CaseStatus
    details: dict[str, Any]
    opened_at: datetime
    history: tuple[CaseEntry, ...] = ()

    @property
    def timeline(self) -> tuple[CaseEntry, ...]:
        """Every step, the opening first."""
        opened = CaseEntry(0, CaseAction.OPENED, OPENED_BY, self.opened_at, note=self.kind)
        return (opened, *self.history)

    @property
    def assignee(self) -> str | None:
        """Who the case was last assigned to, if anyone."""
        assigned = [e for e in self.history if e.action is CaseAction.ASSIGNED]
        return assigned[-1].assignee if assigned else None

    def next_entry(
        self, action: CaseAction, *, by: str, at: datetime, assignee: str | None, note: str
    ) -> CaseEntry:
        """The next step, on an open case only: a closed case is history."""
        if self.status is CaseStatus.CLOSED:
            closing = next(
                (e for e in reversed(self.history) if e.action is CaseAction.CLOSED), None
            )
            reason = Reason(
                ReasonCode.CASE_CLOSED,
                {
                    "case": self.id,
                    "closed_at": iso_local(closing.at) if closing else None,
                    "closed_by": closing.by if closing else None,
                },
            )
            raise Refused(reason.code.value, reason.message_en, [reason])
        seq = self.history[-1].seq + 1 if self.history else 1
        return CaseEntry(seq, action, by, at, assignee, note)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "party": self.party_id,
            "subject": self.subject,
            "status": self.status.value,
            "assignee": self.assignee,
            "details": self.details,
            "opened_at": iso_local(self.opened_at),
            "history": [e.to_json() for e in self.timeline],
        }
