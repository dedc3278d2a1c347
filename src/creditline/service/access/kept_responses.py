"""HTTP idempotency (幂等键, Stripe's ``Idempotency-Key``): the first response to a key is kept,
with the status it had, and given again to the same request; the same key with another request
is refused. Keys are kept at least 24 hours (``KEEP_FOR``); the worker forgets older ones."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from creditline.domain.errors import IdempotencyKeyReused, InvalidInput
from creditline.domain.text import printable_text
from creditline.service.access.access_ports import KeptResponse
from creditline.service.idempotency import MAX_KEY_LENGTH
from creditline.service.uow import Database

KEEP_FOR = timedelta(hours=24)


def _check(key: str) -> str:
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            "Idempotency-Key", f"Idempotency-Key is at most {MAX_KEY_LENGTH} characters"
        )
    return printable_text(key, "Idempotency-Key", max_length=MAX_KEY_LENGTH)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def kept_response(db: Database, principal: str, key: str, fingerprint: str) -> KeptResponse | None:
    """The response kept for this key when the request is the same; ``IdempotencyKeyReused``
    (409) when the key was used for another request; None when the key is new."""
    checked = _check(key)
    with db.transaction(write=False) as uow:
        kept = uow.access.kept_response(principal, checked)
    if kept is None:
        return None
    if kept.request_hash != fingerprint:
        raise IdempotencyKeyReused(checked)
    return kept


def keep_response(
    db: Database, principal: str, key: str, *, fingerprint: str, status: int, body: str
) -> None:
    """Keep the first response for the key (a second one, from a racing request, is dropped:
    the use cases' own keys made sure that only one of them acted)."""
    with db.transaction() as uow:
        now = uow.reference.now()
        uow.access.keep_response(
            principal, _check(key), KeptResponse(fingerprint, status, body, now)
        )


def forget_responses(db: Database, *, now: datetime | None = None) -> int:
    """Forget responses older than ``KEEP_FOR``; returns how many."""
    with db.transaction() as uow:
        at = now or uow.reference.now()
        return uow.access.forget_responses(at - KEEP_FOR)
