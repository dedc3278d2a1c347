"""Ports of the cases context (工单): a case under its lock, and its history."""

from __future__ import annotations

from typing import Protocol

from creditline.domain.cases import Case, CaseEntry, CaseStatus


class CaseRepo(Protocol):
    """Cases as operators work them (payouts and the ring job open them, ``uow.payouts``)."""

    def lock_case(self, case_id: str) -> Case:
        """The case with its history, under its row lock (NotFound if none)."""

    def read_case(self, case_id: str) -> Case:
        """The same view as ``lock_case`` without taking the lock (NotFound if none)."""

    def append_history(self, case_id: str, entry: CaseEntry) -> None:
        """Add one step to the case's history; steps are never edited."""

    def set_case_status(self, case_id: str, status: CaseStatus) -> None:
        """Where the case stands now (its history says how it got there)."""
