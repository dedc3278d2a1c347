"""SQL of the access port: operators, API keys by hash, the audit log, kept HTTP responses."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.access.roles import Role
from creditline.domain.errors import InvalidInput, NotFound
from creditline.service.access.access_ports import ApiKey, AuditRecord, KeptResponse, Operator


def _key(r: Any) -> ApiKey:
    return ApiKey(r.id, r.hint, r.party_id, r.operator, r.created_at, r.revoked_at)


def _operator(r: Any) -> Operator:
    return Operator(r.name, Role(r.role), r.created_at)


#: A key by its id (each page's visitor check), built once.
_KEY_BY_ID = FastSelect(select(t.api_keys).where(t.api_keys.c.id == bindparam("key_id")))


class SqlAccess(SqlRepo):
    """The ``access`` port on SQL."""

    def add_operator(self, operator: Operator) -> None:
        if self.operator(operator.name) is not None:
            raise InvalidInput("name", f"operator {operator.name!r} exists already")
        self._exec(
            insert(t.operators),
            {"name": operator.name, "role": operator.role.value, "created_at": operator.created_at},
        )

    def operator(self, name: str) -> Operator | None:
        r = self._exec(select(t.operators).where(t.operators.c.name == name)).first()
        return None if r is None else _operator(r)

    def operators(self) -> list[Operator]:
        return [_operator(r) for r in self._exec(select(t.operators).order_by(t.operators.c.name))]

    def set_password_hash(self, name: str, encoded: str) -> None:
        self._exec(
            update(t.operators).where(t.operators.c.name == name).values(password_hash=encoded)
        )

    def password_hash(self, name: str) -> str | None:
        found = self._exec(
            select(t.operators.c.password_hash).where(t.operators.c.name == name)
        ).scalar_one_or_none()
        return None if found is None else str(found)

    def add_key(self, key: ApiKey, secret_hash: str) -> None:
        self._exec(
            insert(t.api_keys),
            {
                "id": key.id,
                "secret_hash": secret_hash,
                "hint": key.hint,
                "party_id": key.party_id,
                "operator": key.operator,
                "created_at": key.created_at,
                "revoked_at": key.revoked_at,
            },
        )

    def key_by_hash(self, secret_hash: str) -> ApiKey | None:
        k = t.api_keys
        r = self._exec(select(k).where(k.c.secret_hash == secret_hash)).first()
        return None if r is None else _key(r)

    def key_by_id(self, key_id: str) -> ApiKey | None:
        r = self._exec(_KEY_BY_ID, {"key_id": key_id}).first()
        return None if r is None else _key(r)

    def api_keys(self) -> list[ApiKey]:
        k = t.api_keys
        return [_key(r) for r in self._exec(select(k).order_by(k.c.created_at.desc(), k.c.id))]

    def revoke_key(self, key_id: str, now: datetime) -> ApiKey:
        k = t.api_keys
        self._exec(
            update(k).where(k.c.id == key_id, k.c.revoked_at.is_(None)).values(revoked_at=now)
        )
        r = self._exec(select(k).where(k.c.id == key_id)).first()
        if r is None:
            raise NotFound("key", f"key: no such API key {key_id!r}")
        return _key(r)

    def append_audit(self, record: AuditRecord) -> int:
        row = {
            "at": record.at,
            "actor": record.actor,
            "role": record.role,
            "action": record.action,
            "target": record.target[:200],
            "note": record.note,
            "request_id": record.request_id,
            "outcome": record.outcome,
            "detail": json.dumps(record.detail, ensure_ascii=False, sort_keys=True, default=str),
        }
        return int(self._exec(insert(t.audit_log).returning(t.audit_log.c.seq), row).scalar_one())

    def audit(self, after: int, limit: int, actor: str | None = None) -> list[AuditRecord]:
        a = t.audit_log
        query = select(a).where(a.c.seq > after)
        if actor is not None:
            query = query.where(a.c.actor == actor)
        rows = self._exec(query.order_by(a.c.seq).limit(limit))
        return [
            AuditRecord(
                r.at,
                r.actor,
                r.role,
                r.action,
                r.target,
                r.note,
                r.request_id,
                r.outcome,
                json.loads(r.detail),
                r.seq,
            )
            for r in rows
        ]

    def kept_response(self, principal: str, key: str) -> KeptResponse | None:
        i = t.api_idempotency
        r = self._exec(select(i).where(i.c.principal == principal, i.c.key == key)).first()
        return (
            None if r is None else KeptResponse(r.request_hash, r.status, r.response, r.created_at)
        )

    def keep_response(self, principal: str, key: str, response: KeptResponse) -> bool:
        try:
            with self.session.conn.begin_nested():
                self._exec(
                    insert(t.api_idempotency),
                    {
                        "principal": principal,
                        "key": key,
                        "request_hash": response.request_hash,
                        "status": response.status,
                        "response": response.body,
                        "created_at": response.created_at,
                    },
                )
        except IntegrityError:
            return False
        return True

    def settle_response(self, principal: str, key: str, response: KeptResponse) -> None:
        i = t.api_idempotency
        self._exec(
            update(i)
            .where(i.c.principal == principal, i.c.key == key)
            .values(
                request_hash=response.request_hash,
                status=response.status,
                response=response.body,
                created_at=response.created_at,
            )
        )

    def drop_response(self, principal: str, key: str) -> None:
        i = t.api_idempotency
        self._exec(delete(i).where(i.c.principal == principal, i.c.key == key))

    def forget_responses(self, before: datetime) -> int:
        i = t.api_idempotency
        return int(self._exec(delete(i).where(i.c.created_at < before)).rowcount or 0)
