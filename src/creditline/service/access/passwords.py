"""Use cases for passwords (口令): an operator's password is set from the machine's shell, a
holder's by an operator (audited), and both are checked at the pages' sign-in. Only a
memory-hard hash is kept; the hashing itself is a port (``PasswordHasher``), wired to argon2
by ``entrypoints/bootstrap.py``, so no I/O or C library reaches the service or the domain.
The pages' session secret is a per-database setting."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Protocol

from creditline.domain.access.roles import Principal
from creditline.domain.errors import CreditlineError, InvalidInput, Unauthenticated
from creditline.service.access.operators import MAX_NAME, operator_principal
from creditline.service.idempotency import Answer
from creditline.service.uow import Database

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
SESSION_SECRET_SETTING = "pages_session_secret"  # noqa: S105 (the setting's name)
#: Said for every failed sign-in alike: which of name or password was wrong is not told.
WRONG = "the name or the password is wrong"


class PasswordHasher(Protocol):
    """A memory-hard password hash (argon2id in production)."""

    def hash(self, password: str) -> str:
        """The encoded hash of ``password``, salt and parameters included."""

    def verify(self, encoded: str, password: str) -> bool:
        """Whether ``password`` matches ``encoded``; False (never an error) when it does not."""


def _check_length(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            "password", f"password: {MIN_PASSWORD} to {MAX_PASSWORD} characters, please"
        )


def set_password(db: Database, name: str, password: str, *, hasher: PasswordHasher) -> Answer:
    """Set the operator ``name``'s password (at least ``MIN_PASSWORD`` characters)."""
    _check_length(password)
    encoded = hasher.hash(password)
    with db.transaction() as uow:
        principal = operator_principal(uow, name[:MAX_NAME])
        uow.access.set_password_hash(principal.name, encoded)
    return Answer({"object": "operator", "id": principal.name, "password_set": True})


def check_password(db: Database, name: str, password: str, *, hasher: PasswordHasher) -> Principal:
    """The operator ``name`` when ``password`` is its password; ``Unauthenticated`` otherwise
    (an unknown name, no password set, or a wrong one: one message for all three)."""
    if not name or not password or len(name) > MAX_NAME or len(password) > MAX_PASSWORD:
        raise Unauthenticated(WRONG)
    with db.transaction(write=False) as uow:
        found = uow.access.operator(name)
        encoded = uow.access.password_hash(name) if found is not None else None
    if not _verified(hasher, encoded if found is not None else None, password):
        raise Unauthenticated(WRONG)
    assert found is not None
    return Principal(found.name, role=found.role)


_STAND_INS: dict[type, str] = {}


def _verified(hasher: PasswordHasher, encoded: str | None, password: str) -> bool:
    """``hasher.verify``, and as slow when there is no hash to check against: a name without
    a password is checked against a stand-in hash, so the time a sign-in takes does not tell
    which names have a password."""
    if encoded is not None:
        return hasher.verify(encoded, password)
    stand_in = _STAND_INS.get(type(hasher))
    if stand_in is None:
        stand_in = _STAND_INS.setdefault(type(hasher), hasher.hash(secrets.token_urlsafe(16)))
    hasher.verify(stand_in, password)
    return False


def set_holder_password(
    db: Database, party_id: str, password: str, *, hasher: PasswordHasher
) -> Answer:
    """Set the holder ``party_id``'s password for the pages' sign-in (an operator's action; at
    least ``MIN_PASSWORD`` characters). The sessions opened with the old one end."""
    _check_length(password)
    encoded = hasher.hash(password)
    with db.transaction() as uow:
        uow.parties.get_party(party_id)  # NotFound for no such party
        uow.care.set_holder_password_hash(party_id, encoded)
    return Answer({"object": "party", "id": party_id, "password_set": True})


def password_fingerprint(encoded: str) -> str:
    """A short fingerprint of a password hash, kept in a page session instead of the hash:
    a new password makes a new one, which ends the sessions opened with the old."""
    return hashlib.sha256(encoded[-16:].encode()).hexdigest()[:16]


def check_holder_password(
    db: Database, party_id: str, password: str, *, hasher: PasswordHasher
) -> tuple[Principal, str]:
    """The holder ``party_id`` and its hash's fingerprint when ``password`` is its password;
    ``Unauthenticated`` otherwise (no such party, no password set, or a wrong one alike)."""
    if not party_id or not password or len(party_id) > MAX_NAME or len(password) > MAX_PASSWORD:
        raise Unauthenticated(WRONG)
    with db.transaction(write=False) as uow:
        encoded = uow.care.holder_password_hash(party_id)
    if not _verified(hasher, encoded, password):
        raise Unauthenticated(WRONG)
    assert encoded is not None
    return Principal(party_id, party_id=party_id), password_fingerprint(encoded)


def holder_of_password(db: Database, party_id: str, fingerprint: str) -> Principal:
    """The holder a page session was opened with by password, while that password is still
    its password (``Unauthenticated`` once it is changed, or the party is gone)."""
    with db.transaction(write=False) as uow:
        encoded = uow.care.holder_password_hash(party_id)
    if encoded is None or not hmac.compare_digest(
        password_fingerprint(encoded).encode(), fingerprint.encode()
    ):
        raise Unauthenticated("the password this session was opened with has changed")
    return Principal(party_id, party_id=party_id)


def holder_of_key(db: Database, key_id: str) -> Principal:
    """The holder a page session was opened with, by its key's id, while the key is active
    (``Unauthenticated`` once it is revoked: the session ends with the key)."""
    with db.transaction(write=False) as uow:
        key = uow.access.key_by_id(key_id)
    if key is None or key.revoked_at is not None or key.party_id is None:
        raise Unauthenticated("the API key this session was opened with is revoked")
    return Principal(key.party_id, party_id=key.party_id, key_id=key.id)


def session_secret(db: Database) -> str:
    """The secret that signs the pages' session cookies: made once per database and kept in
    its settings, so that every worker on the same database accepts the same cookies."""
    with db.transaction(write=False) as uow:
        found = uow.reference.meta_value(SESSION_SECRET_SETTING)
    if found:
        return found
    try:
        with db.transaction() as uow:
            found = uow.reference.meta_value(SESSION_SECRET_SETTING)
            if not found:
                found = secrets.token_urlsafe(48)
                uow.reference.set_meta_value(SESSION_SECRET_SETTING, found)
            return found
    except CreditlineError:  # another worker stored one first: use that one
        with db.transaction(write=False) as uow:
            found = uow.reference.meta_value(SESSION_SECRET_SETTING)
        if not found:
            raise
        return found
