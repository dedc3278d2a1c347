"""The audit log (审计日志): every operator action, with who, when, what, why and the request id,
appended in the same transaction as the action itself, so that one never lands without the
other (R28)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from creditline.domain.access.roles import AUDITED, Principal
from creditline.domain.workdays import iso_local
from creditline.service.access.access_ports import AuditRecord
from creditline.service.idempotency import Answer
from creditline.service.ledger_ports import KeyTrust
from creditline.service.settlement.settlement_ports import PaymentChannel
from creditline.service.uow import Database, UnitOfWork

MAX_PAGE = 100


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


class AuditedDatabase:
    """A ``Database`` that appends ``record`` inside the first write transaction the action
    commits (a replayed or refused action is recorded too: it is still who asked for what)."""

    def __init__(self, db: Database, record: AuditRecord) -> None:
        self._db = db
        self._record = record
        self.written = False
        self.seq = 0

    @contextmanager
    def transaction(self, *, write: bool = True, snapshot: bool = False) -> Iterator[UnitOfWork]:
        with self._db.transaction(write=write, snapshot=snapshot) as uow:
            yield uow
            if write and not self.written:
                self.seq = uow.access.append_audit(replace(self._record, at=uow.reference.now()))
                self.written = True

    def channel(self, db: Database | None = None) -> PaymentChannel:
        # The channel's sandbox writes (the failure plan) go through this wrapper, so the
        # action's audit record lands in their transaction.
        return self._db.channel(db or self)

    def trusted_keys(self) -> KeyTrust:
        return self._db.trusted_keys()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def act(
    db: Database,
    principal: Principal,
    action: str,
    run: Callable[[Database], Answer],
    *,
    target: str = "",
    note: str | None = None,
    request_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Answer:
    """Run an action as ``principal``: refused (``Forbidden``) unless its role allows it; an
    operator's action (those in ``AUDITED``) is audited in the action's own transaction."""
    principal.require(action)
    if not principal.is_operator or action not in AUDITED:
        return run(db)
    record = AuditRecord(
        at=datetime.min.replace(tzinfo=UTC),  # replaced by the transaction's time
        actor=principal.name,
        role=principal.role.value if principal.role else "",
        action=action,
        target=target,
        note=note or "",
        request_id=request_id or new_request_id(),
        outcome="committed",
        detail=detail or {},
    )
    audited = AuditedDatabase(db, record)
    answer = run(audited)
    if audited.written and answer.refused:
        # The record went in before the answer was known; the log is append-only, so the
        # refusal (stored under the key in the same transaction) is said in a second record.
        with db.transaction() as uow:
            uow.access.append_audit(
                replace(
                    record,
                    at=uow.reference.now(),
                    outcome="refused",
                    detail={**record.detail, "audit_seq": audited.seq},
                )
            )
    elif not audited.written:
        # The action wrote nothing of its own (a read, or a refusal before writing): the
        # record still says who asked.
        with db.transaction() as uow:
            uow.access.append_audit(
                replace(
                    record,
                    at=uow.reference.now(),
                    outcome="refused" if answer.refused else "no_change",
                )
            )
    return answer


def audit_json(record: AuditRecord) -> dict[str, Any]:
    return {
        "object": "audit_record",
        "id": f"aud_{record.seq}",
        "seq": record.seq,
        "at": iso_local(record.at),
        "actor": record.actor,
        "role": record.role,
        "action": record.action,
        "target": record.target,
        "note": record.note,
        "request_id": record.request_id,
        "outcome": record.outcome,
        "detail": record.detail,
    }


def list_audit(
    db: Database, *, after: int = 0, limit: int = MAX_PAGE, actor: str | None = None
) -> Answer:
    """Audit records after sequence ``after``, oldest first (``has_more`` when there are more)."""
    limit = max(1, min(limit, MAX_PAGE))
    with db.transaction(write=False) as uow:
        rows = uow.access.audit(after, limit + 1, actor)
    return Answer({"data": [audit_json(r) for r in rows[:limit]], "has_more": len(rows) > limit})
