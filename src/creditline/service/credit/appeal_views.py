"""Reading appeals (申诉): one with every step (who, when, what), and lists of them (a line's, a
holder's, the operators' queue of open ones)."""

from __future__ import annotations

from typing import Any

from creditline.domain.credit.appeal_rules import (
    Appeal,
    AppealStatus,
    limit_before_reductions,
    parse_status,
)
from creditline.service.idempotency import Answer
from creditline.service.ids import line_of
from creditline.service.quota.limit_admin import intended_limit
from creditline.service.quota.line_book import balances_json
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import Database, UnitOfWork

#: How far back the limit history is read to find the limit before the reductions.
HISTORY = 100
MAX_PAGE = 100


def show_appeal(db: Database, appeal_id: str) -> Answer:
    """An appeal with every step (who, when, what), the line's limit now and, while it is
    open, the limit a ``restore`` would give back."""
    line_id = line_of(appeal_id, field="appeal")
    with db.transaction(write=False) as uow:
        appeal = uow.appeals.get_appeal(line_id, appeal_id)
        return Answer(appeal_body(uow, appeal, uow.lines.read_line(line_id)))


def appeal_body(uow: UnitOfWork, appeal: Appeal, line: LockedLine) -> dict[str, Any]:
    """The answer about an appeal: its record, the line's limit and balances, its steps."""
    current = intended_limit(line)
    out = appeal.to_json()
    out["limit_now"] = current.format()
    out["balances"] = balances_json(line.state.balances)
    if appeal.status is AppealStatus.SUBMITTED:
        changes = uow.lines.limit_changes(appeal.line_id, limit=HISTORY)
        out["restore_limit"] = limit_before_reductions(changes, current).format()
    out["steps"] = [s.to_json() for s in uow.appeals.steps(appeal.line_id, appeal.id)]
    return out


def list_appeals(
    db: Database,
    *,
    line: str | None = None,
    status: str | None = None,
    party: str | None = None,
    limit: int = MAX_PAGE,
) -> Answer:
    """Appeals, newest first: of a line, of a party (a holder's own), in a status
    (``submitted``: the operators' queue)."""
    chosen = None if status is None else parse_status(status)
    size = max(1, min(limit, MAX_PAGE))
    with db.transaction(write=False) as uow:
        if line is not None:
            uow.lines.read_line(line)  # NotFound for a line that does not exist
        rows = uow.appeals.list_appeals(line_id=line, party_id=party, status=chosen, limit=size + 1)
    return Answer({"data": [a.to_json() for a in rows[:size]], "has_more": len(rows) > size})
