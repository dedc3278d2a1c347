"""In-memory fake of the appeals port (see ``tests/fakes.py``): appeals and their steps kept in
the fake state's own attributes."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from creditline.domain.credit.appeal_rules import Appeal, AppealStatus, AppealStep
from creditline.domain.errors import Conflict, NotFound

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeAppeals:
    """The ``appeals`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _appeals(self) -> dict[tuple[str, str], Appeal]:
        kept: dict[tuple[str, str], Appeal] = self.s.__dict__.setdefault("appeals", {})
        return kept

    def _steps(self) -> dict[tuple[str, str], list[AppealStep]]:
        kept: dict[tuple[str, str], list[AppealStep]] = self.s.__dict__.setdefault(
            "appeal_steps", {}
        )
        return kept

    def insert_appeal(self, appeal: Appeal) -> None:
        if self.open_appeal(appeal.line_id) is not None:
            raise Conflict("uq_appeals_open")
        self._appeals()[appeal.line_id, appeal.id] = appeal

    def get_appeal(self, line_id: str, appeal_id: str) -> Appeal:
        found = self._appeals().get((line_id, appeal_id))
        if found is None:
            raise NotFound("appeal", f"appeal: no such appeal {appeal_id[:80]!r}")
        return found

    def open_appeal(self, line_id: str) -> Appeal | None:
        return next(
            (
                a
                for (line, _), a in self._appeals().items()
                if line == line_id and a.status is AppealStatus.SUBMITTED
            ),
            None,
        )

    def record_decision(self, appeal: Appeal) -> None:
        kept = self._appeals().get((appeal.line_id, appeal.id))
        if kept is None or kept.status is not AppealStatus.SUBMITTED:
            raise Conflict(f"appeal {appeal.id} was decided concurrently")
        self._appeals()[appeal.line_id, appeal.id] = replace(appeal)

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
        steps = self._steps().setdefault((line_id, appeal_id), [])
        steps.append(AppealStep(len(steps) + 1, at, actor, action, copy.deepcopy(detail)))
        return len(steps)

    def steps(self, line_id: str, appeal_id: str) -> list[AppealStep]:
        return list(self._steps().get((line_id, appeal_id), []))

    def list_appeals(
        self,
        *,
        line_id: str | None,
        party_id: str | None,
        status: AppealStatus | None,
        limit: int,
    ) -> list[Appeal]:
        found = [
            a
            for a in self._appeals().values()
            if (line_id is None or a.line_id == line_id)
            and (party_id is None or a.party_id == party_id)
            and (status is None or a.status is status)
        ]
        return sorted(found, key=lambda a: (a.created_at, a.id), reverse=True)[:limit]
