"""HTTP idempotency (幂等键, Stripe's ``Idempotency-Key``): the first response to a key is kept,
with the status it had, and given again to the same request; the same key with another request
is refused. Keys are kept at least 24 hours (``KEEP_FOR``); the worker forgets older ones.

A request first *claims* its key (a row with no response yet) in a transaction of its own, so
two racing requests with one key cannot both act: the second is told the key is in use (409)
and retries into the replay. A claim whose request died with its process is taken over after
``ABANDONED_AFTER``."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from creditline.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidInput
from creditline.domain.text import printable_text
from creditline.service.access.access_ports import KeptResponse
from creditline.service.idempotency import MAX_KEY_LENGTH
from creditline.service.uow import Database

KEEP_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=1)
CLAIMED = 0  # the status of a claim that has no response yet


def check_key(key: str) -> str:
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            "Idempotency-Key", f"Idempotency-Key is at most {MAX_KEY_LENGTH} characters"
        )
    return printable_text(key, "Idempotency-Key", max_length=MAX_KEY_LENGTH)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def scoped_key(principal: str, key: str) -> str:
    """The key a use case keeps its own answer under: the caller's, so that two callers who
    happen to choose one key never see each other's answer (at most 255 characters)."""
    checked = check_key(key)
    scoped = f"{principal}:{checked}"
    if len(scoped) <= MAX_KEY_LENGTH:
        return scoped
    return f"{principal}:sha256:{hashlib.sha256(checked.encode()).hexdigest()}"


def claim_key(db: Database, principal: str, key: str, fingerprint: str) -> KeptResponse | None:
    """Claim ``key`` for this request: None when the request may act (the key is new, or its
    claim was abandoned); the kept response when the same request was answered before.
    ``IdempotencyKeyReused`` (409) when the key was used for another request,
    ``IdempotencyKeyInUse`` (409) while the first request is still running."""
    checked = check_key(key)
    with db.transaction() as uow:
        now = uow.reference.now()
        kept = uow.access.kept_response(principal, checked)
        claim = KeptResponse(fingerprint, CLAIMED, "", now)
        if kept is None:
            if uow.access.keep_response(principal, checked, claim):
                return None
            kept = uow.access.kept_response(principal, checked)
            if kept is None:  # forgotten in between: claim again on the retry
                raise IdempotencyKeyInUse("the idempotency key is being claimed; retry")
        if kept.request_hash != fingerprint:
            raise IdempotencyKeyReused(checked)
        if kept.status != CLAIMED:
            return kept
        if now - kept.created_at < ABANDONED_AFTER:
            raise IdempotencyKeyInUse(
                "a request with this idempotency key is still running; retry in a moment"
            )
        uow.access.settle_response(principal, checked, claim)
        return None


def keep_response(
    db: Database, principal: str, key: str, *, fingerprint: str, status: int, body: str
) -> None:
    """Keep the response of the request that claimed ``key`` (``claim_key`` made its row)."""
    checked = check_key(key)
    with db.transaction() as uow:
        response = KeptResponse(fingerprint, status, body, uow.reference.now())
        uow.access.settle_response(principal, checked, response)


def release_key(db: Database, principal: str, key: str) -> None:
    """Give a claim back: its request failed before answering, so a retry may act."""
    with db.transaction() as uow:
        uow.access.drop_response(principal, check_key(key))


def kept_response(db: Database, principal: str, key: str, fingerprint: str) -> KeptResponse | None:
    """The response kept for this key when the request is the same (None when none is kept
    or the key is only claimed); ``IdempotencyKeyReused`` for another request."""
    checked = check_key(key)
    with db.transaction(write=False) as uow:
        kept = uow.access.kept_response(principal, checked)
    if kept is None or kept.status == CLAIMED:
        return None
    if kept.request_hash != fingerprint:
        raise IdempotencyKeyReused(checked)
    return kept


def forget_responses(db: Database, *, now: datetime | None = None) -> int:
    """Forget responses older than ``KEEP_FOR``; returns how many."""
    with db.transaction() as uow:
        at = now or uow.reference.now()
        return uow.access.forget_responses(at - KEEP_FOR)
