"""SQL of freezes (冻结) and of parties with their violations and documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.errors import NotFound
from creditline.domain.money import Money
from creditline.domain.quota.documents import Document, DocumentType
from creditline.domain.quota.freezes import Freeze, FreezeReason, FreezeStatus
from creditline.domain.quota.parties import Party, PartyKind
from creditline.domain.workdays import iso_local

#: A line's freezes, oldest first (a snapshot's one read of them).
_FREEZES_OF = FastSelect(
    select(t.freezes)
    .where(t.freezes.c.line_id == bindparam("line_id"))
    .order_by(t.freezes.c.starts_at, t.freezes.c.id)
)

#: A party with the count of its open violations, in one statement.
_PARTY = FastSelect(
    select(
        t.parties,
        select(func.count())
        .select_from(t.violations)
        .where(t.violations.c.party_id == bindparam("party_id"), t.violations.c.closed_at.is_(None))
        .scalar_subquery()
        .label("open_violations"),
    ).where(t.parties.c.id == bindparam("party_id"))
)
_DOCUMENTS_OF = FastSelect(
    select(t.documents)
    .where(t.documents.c.party_id == bindparam("party_id"))
    .order_by(t.documents.c.submitted_on, t.documents.c.id)
)


def _history(row: Any) -> dict[str, Any]:
    """A freeze row's history: when it was made and closed, and the note it was closed with."""
    return {
        "created_at": iso_local(row.created_at),
        "closed_at": iso_local(row.closed_at) if row.closed_at else None,
        "close_note": row.close_note,
    }


def _freeze(r: Any) -> Freeze:
    return Freeze(
        id=r.id,
        line_id=r.line_id,
        reason=FreezeReason(r.reason),
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        amount=None if r.amount is None else Money(r.amount, r.currency),
        status=FreezeStatus(r.status),
        note=r.note,
        policy_version=r.policy_version,
        provisional=bool(r.ends_provisional),
    )


class SqlFreezes(SqlRepo):
    """The ``freezes`` port on SQL."""

    def insert_freeze(self, freeze: Freeze, now: datetime) -> None:
        self._exec(
            insert(t.freezes),
            {
                "line_id": freeze.line_id,
                "id": freeze.id,
                "reason": freeze.reason.value,
                "amount": None if freeze.amount is None else freeze.amount.minor,
                "currency": freeze.amount.currency if freeze.amount else "CNY",
                "starts_at": freeze.starts_at,
                "ends_at": freeze.ends_at,
                "status": freeze.status.value,
                "note": freeze.note,
                "policy_version": freeze.policy_version,
                "ends_provisional": freeze.provisional,
                "created_at": now,
            },
        )
        self._bump_freezes(freeze.line_id, 1, now)

    def close_freeze(
        self, line_id: str, freeze_id: str, status: FreezeStatus, note: str, now: datetime
    ) -> None:
        self._exec(
            update(t.freezes)
            .where(t.freezes.c.line_id == line_id, t.freezes.c.id == freeze_id)
            .values(status=status.value, closed_at=now, close_note=note)
        )
        self._bump_freezes(line_id, -1, now)

    @staticmethod
    def line_reads(line_id: str) -> list[tuple[FastSelect, dict[str, Any]]]:
        """The reads of ``line_id`` a page makes here (``SqlUnitOfWork.read_ahead``)."""
        return [(_FREEZES_OF, {"line_id": line_id})]

    def freezes_of(self, line_id: str, *, active_only: bool) -> list[Freeze]:
        seen = self.session.seen
        if seen is not None:  # a snapshot: the line's freezes read once, with their history
            found = seen.get(("freezes", line_id))
            if found is None:
                rows = list(self._exec(_FREEZES_OF, {"line_id": line_id}))
                found = seen[("freezes", line_id)] = [_freeze(r) for r in rows]
                seen.update({("freeze_history", line_id, r.id): _history(r) for r in rows})
            if active_only:
                return [f for f in found if f.status is FreezeStatus.ACTIVE]
            return list(found)
        query = select(t.freezes).where(t.freezes.c.line_id == line_id)
        if active_only:
            query = query.where(t.freezes.c.status == FreezeStatus.ACTIVE.value)
        rows = self._exec(query.order_by(t.freezes.c.starts_at, t.freezes.c.id))
        return [_freeze(r) for r in rows]

    def get_freeze(self, line_id: str, freeze_id: str) -> Freeze:
        row = self._exec(
            select(t.freezes).where(t.freezes.c.line_id == line_id, t.freezes.c.id == freeze_id)
        ).first()
        if row is None:
            raise NotFound("freeze", f"freeze: no such freeze {freeze_id!r}")
        return _freeze(row)

    def freeze_history(self, line_id: str, freeze_id: str) -> dict[str, Any]:
        seen = self.session.seen
        found = None if seen is None else seen.get(("freeze_history", line_id, freeze_id))
        if found is not None:
            return dict(found)
        row = self._exec(
            select(t.freezes.c.created_at, t.freezes.c.closed_at, t.freezes.c.close_note).where(
                t.freezes.c.line_id == line_id, t.freezes.c.id == freeze_id
            )
        ).one()
        return _history(row)

    def due_freezes(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._exec(
            select(t.freezes.c.line_id, t.freezes.c.id)
            .where(t.freezes.c.status == FreezeStatus.ACTIVE.value, t.freezes.c.ends_at <= now)
            .order_by(t.freezes.c.ends_at)
            .limit(limit)
        )
        return [(r.line_id, r.id) for r in rows]

    def _bump_freezes(self, line_id: str, delta: int, now: datetime) -> None:
        self._exec(
            update(t.lines)
            .where(t.lines.c.id == line_id)
            .values(open_freezes=t.lines.c.open_freezes + delta, updated_at=now)
        )


class SqlParties(SqlRepo):
    """The ``parties`` port on SQL."""

    def insert_party(self, party: Party, now: datetime) -> None:
        self._exec(
            insert(t.parties),
            {
                "id": party.id,
                "kind": party.kind.value,
                "name": party.name,
                "category": party.category,
                "credit_score": party.credit_score,
                "income_minor": None if party.income is None else party.income.minor,
                "real_name_verified": party.real_name_verified,
                "qualification_passed": party.qualification_passed,
                "settlement_account": party.settlement_account,
                "created_at": now,
            },
        )

    def get_party(self, party_id: str) -> Party:
        row = self._exec(_PARTY, {"party_id": party_id}).first()
        if row is None:
            raise NotFound("party", f"party: no such party {party_id!r}")
        open_count = row.open_violations
        return Party(
            id=row.id,
            kind=PartyKind(row.kind),
            name=row.name,
            real_name_verified=bool(row.real_name_verified),
            qualification_passed=bool(row.qualification_passed),
            settlement_account=row.settlement_account,
            open_violations=int(open_count),
            category=row.category,
            credit_score=row.credit_score,
            income=None if row.income_minor is None else Money(row.income_minor),
        )

    def update_party(self, party: Party) -> None:
        self._exec(
            update(t.parties)
            .where(t.parties.c.id == party.id)
            .values(
                real_name_verified=party.real_name_verified,
                qualification_passed=party.qualification_passed,
                settlement_account=party.settlement_account,
            )
        )

    def open_violation(self, violation_id: str, party_id: str, note: str, now: datetime) -> None:
        self._exec(
            insert(t.violations),
            {"id": violation_id, "party_id": party_id, "note": note, "opened_at": now},
        )

    def close_violation(self, violation_id: str, now: datetime) -> str:
        row = self._exec(
            select(t.violations.c.party_id, t.violations.c.closed_at).where(
                t.violations.c.id == violation_id
            )
        ).first()
        if row is None:
            raise NotFound("violation", f"violation: no such violation {violation_id!r}")
        if row.closed_at is None:
            self._exec(
                update(t.violations).where(t.violations.c.id == violation_id).values(closed_at=now)
            )
        return str(row.party_id)

    def insert_document(self, doc: Document, now: datetime) -> None:
        self._exec(
            insert(t.documents),
            {
                "party_id": doc.party_id,
                "id": doc.id,
                "type": doc.type.value,
                "submitted_on": doc.submitted_on,
                "expires_on": doc.expires_on,
                "created_at": now,
            },
        )

    def documents_of(self, party_id: str) -> list[Document]:
        rows = self._exec(_DOCUMENTS_OF, {"party_id": party_id})
        return [
            Document(r.id, r.party_id, DocumentType(r.type), r.submitted_on, r.expires_on)
            for r in rows
        ]

    def has_activity(self) -> bool:
        return self._exec(select(t.parties.c.id).limit(1)).first() is not None
