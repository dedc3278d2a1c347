"""Ports of the ledger's tamper evidence: the signed checkpoints of every book's head, and the
public keys ``ledger verify`` trusts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from creditline.domain.checkpoints import Checkpoint, PublicKey


@dataclass(frozen=True, slots=True)
class KeyTrust:
    """The public keys that may sign checkpoints, and where the trust in them comes from.

    The database records the public key of every key that signed, but whoever can rewrite the
    database can also record a key of their own and sign with it; so the keys worth trusting
    come from outside it (a pinned public key, or the signing key itself). ``source`` is
    ``database`` when nothing outside was found and the recorded keys were used.
    """

    keys: tuple[PublicKey, ...]
    source: str

    @property
    def by_fingerprint(self) -> Mapping[str, PublicKey]:
        return {k.fingerprint: k for k in self.keys}

    @property
    def anchored(self) -> bool:
        """Whether the trust comes from outside the database."""
        return bool(self.keys) and self.source != "database"


class CheckpointRepo(Protocol):
    """Signed checkpoints of the books' heads, and the public keys recorded with them. The
    adapter writes a checkpoint of every book a transaction moved when it commits, so no use
    case can forget one; this port only reads them."""

    def checkpoints_of(self, book: str, book_id: str) -> list[Checkpoint]:
        """The checkpoints of one book (``line`` or ``funds``), oldest first."""

    def recorded_keys(self) -> list[PublicKey]:
        """The public keys recorded in the database (by ``creditline init``)."""
