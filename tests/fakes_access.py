"""In-memory fake of the access port (see ``tests/fakes.py``); its rows live in
``FakeState.access``, a dict of plain containers: ``operators`` (name → Operator), ``keys``
(id → [ApiKey, secret hash]), ``audit`` (a list of records, append-only) and ``responses``
((principal, key) → KeptResponse)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from creditline.domain.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from datetime import datetime

    from creditline.service.access.access_ports import (
        ApiKey,
        AuditRecord,
        KeptResponse,
        Operator,
    )
    from tests.fakes import FakeState

#: What the SQL column keeps of an audit record's target.
MAX_TARGET = 200


class FakeAccess:
    """The ``access`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _rows(self, table: str) -> dict[Any, Any]:
        rows: dict[Any, Any] = self.s.access.setdefault(table, {})
        return rows

    def _log(self) -> list[AuditRecord]:
        log: list[AuditRecord] = self.s.access.setdefault("audit", [])
        return log

    # -- operators ----------------------------------------------------------------------------
    def add_operator(self, operator: Operator) -> None:
        operators = self._rows("operators")
        if operator.name in operators:
            # As the SQL adapter does: a taken name is bad input, not a race to retry.
            raise InvalidInput("name", f"operator {operator.name!r} exists already")
        operators[operator.name] = operator

    def operator(self, name: str) -> Operator | None:
        found: Operator | None = self._rows("operators").get(name)
        return found

    def operators(self) -> list[Operator]:
        operators = self._rows("operators")
        return [operators[name] for name in sorted(operators)]

    def set_password_hash(self, name: str, encoded: str) -> None:
        self._rows("passwords")[name] = encoded

    def password_hash(self, name: str) -> str | None:
        found: str | None = self._rows("passwords").get(name)
        return found

    # -- keys ---------------------------------------------------------------------------------
    def add_key(self, key: ApiKey, secret_hash: str) -> None:
        self._rows("keys")[key.id] = [key, secret_hash]

    def key_by_hash(self, secret_hash: str) -> ApiKey | None:
        keys = self._rows("keys").values()
        return next((key for key, stored in keys if stored == secret_hash), None)

    def key_by_id(self, key_id: str) -> ApiKey | None:
        row = self._rows("keys").get(key_id)
        return None if row is None else row[0]

    def api_keys(self) -> list[ApiKey]:
        keys = [key for key, _ in self._rows("keys").values()]
        by_id = sorted(keys, key=lambda k: k.id)
        return sorted(by_id, key=lambda k: k.created_at, reverse=True)  # stable: ids ascending

    def revoke_key(self, key_id: str, now: datetime) -> ApiKey:
        row = self._rows("keys").get(key_id)
        if row is None:
            raise NotFound("key", f"key: no such API key {key_id!r}")
        if row[0].revoked_at is None:
            row[0] = replace(row[0], revoked_at=now)
        key: ApiKey = row[0]
        return key

    # -- the audit log ------------------------------------------------------------------------
    def append_audit(self, record: AuditRecord) -> int:
        log = self._log()
        seq = len(log) + 1
        log.append(
            replace(
                record,
                target=record.target[:MAX_TARGET],
                detail=copy.deepcopy(record.detail),
                seq=seq,
            )
        )
        return seq

    def audit(self, after: int, limit: int, actor: str | None = None) -> list[AuditRecord]:
        found = [r for r in self._log() if r.seq > after and (actor is None or r.actor == actor)]
        return [replace(r, detail=copy.deepcopy(r.detail)) for r in found[:limit]]

    # -- kept HTTP responses ------------------------------------------------------------------
    def kept_response(self, principal: str, key: str) -> KeptResponse | None:
        kept: KeptResponse | None = self._rows("responses").get((principal, key))
        return kept

    def keep_response(self, principal: str, key: str, response: KeptResponse) -> bool:
        responses = self._rows("responses")
        if (principal, key) in responses:
            return False
        responses[principal, key] = response
        return True

    def settle_response(self, principal: str, key: str, response: KeptResponse) -> None:
        responses = self._rows("responses")
        if (principal, key) in responses:
            responses[principal, key] = response

    def drop_response(self, principal: str, key: str) -> None:
        self._rows("responses").pop((principal, key), None)

    def forget_responses(self, before: datetime) -> int:
        responses = self._rows("responses")
        old = [k for k, r in responses.items() if r.created_at < before]
        for k in old:
            del responses[k]
        return len(old)
