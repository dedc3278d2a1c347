"""Ports of the access context (权限): operators, API keys kept as hashes, the append-only audit
log, and the responses kept under HTTP idempotency keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from creditline.domain.access.roles import Role


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    role: Role
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as stored: never its secret, only a hint of its last characters."""

    id: str
    hint: str
    party_id: str | None
    operator: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    note: str
    request_id: str
    outcome: str
    detail: dict[str, Any]
    seq: int = 0


@dataclass(frozen=True, slots=True)
class KeptResponse:
    """The first HTTP response given under an Idempotency-Key."""

    request_hash: str
    status: int
    body: str
    created_at: datetime


class AccessRepo(Protocol):
    """Operators, keys, the audit log and kept HTTP responses."""

    def add_operator(self, operator: Operator) -> None:
        """Store a new operator (InvalidInput naming `name` if the name is taken)."""

    def operator(self, name: str) -> Operator | None:
        """The operator of that name, or None."""

    def operators(self) -> list[Operator]:
        """Every operator, by name."""

    def set_password_hash(self, name: str, encoded: str) -> None:
        """Store the operator's password hash (the operator exists)."""

    def password_hash(self, name: str) -> str | None:
        """The operator's password hash, or None when it has none (or there is no operator)."""

    def add_key(self, key: ApiKey, secret_hash: str) -> None:
        """Store a key by the hash of its secret."""

    def key_by_hash(self, secret_hash: str) -> ApiKey | None:
        """The key whose secret hashes to ``secret_hash``, revoked or not; None if none."""

    def key_by_id(self, key_id: str) -> ApiKey | None:
        """The key with that id, revoked or not; None if none."""

    def api_keys(self) -> list[ApiKey]:
        """Every key, newest first."""

    def revoke_key(self, key_id: str, now: datetime) -> ApiKey:
        """Mark the key revoked (NotFound if none; a revoked key stays revoked)."""

    def append_audit(self, record: AuditRecord) -> int:
        """Append a record; returns its sequence number. Records are never edited."""

    def audit(self, after: int, limit: int, actor: str | None = None) -> list[AuditRecord]:
        """Records after ``after``, oldest first, at most ``limit``."""

    def kept_response(self, principal: str, key: str) -> KeptResponse | None:
        """The response kept for ``key`` of ``principal``, or None."""

    def keep_response(self, principal: str, key: str, response: KeptResponse) -> bool:
        """Keep the first response for ``key``; False when one was kept already (a race)."""

    def settle_response(self, principal: str, key: str, response: KeptResponse) -> None:
        """Replace the claim (or response) kept for ``key`` with ``response``."""

    def drop_response(self, principal: str, key: str) -> None:
        """Forget the claim kept for ``key`` (the request it stood for failed)."""

    def forget_responses(self, before: datetime) -> int:
        """Drop responses kept before ``before``; returns how many."""
