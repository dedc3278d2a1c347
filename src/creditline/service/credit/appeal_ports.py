"""The port of appeals (申诉): appeals keyed by their line, and each one's steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from creditline.domain.credit.appeal_rules import Appeal, AppealStatus, AppealStep


class AppealRepo(Protocol):
    def insert_appeal(self, appeal: Appeal) -> None:
        """Store a new (submitted) appeal."""

    def get_appeal(self, line_id: str, appeal_id: str) -> Appeal:
        """One appeal of the line (NotFound if none)."""

    def open_appeal(self, line_id: str) -> Appeal | None:
        """The line's appeal awaiting a decision, if any (at most one)."""

    def record_decision(self, appeal: Appeal) -> None:
        """Store the decision of an appeal that was submitted (Conflict if it is not)."""

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
        """Append a step (numbered in the appeal's order; the caller holds the line's lock)."""

    def steps(self, line_id: str, appeal_id: str) -> list[AppealStep]:
        """The appeal's steps, first first."""

    def list_appeals(
        self,
        *,
        line_id: str | None,
        party_id: str | None,
        status: AppealStatus | None,
        limit: int,
    ) -> list[Appeal]:
        """Appeals, newest first, of a line or a party, in a status."""
