"""Password hashing with argon2id (argon2-cffi, RFC 9106's defaults): the ``PasswordHasher``
port of ``service/access/passwords``."""

from __future__ import annotations

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    """argon2id with argon2-cffi's parameters (RFC 9106, low-memory profile)."""

    def __init__(self) -> None:
        self._argon2 = Argon2()

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, encoded: str, password: str) -> bool:
        try:
            return self._argon2.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            return False
