"""Signed checkpoints (签名检查点) of the ledger's chains, and what a chain must agree with.

Anyone who can write the database can rewrite a transfer and recompute every hash after it
with ``chain_hash``: the chain proves order, not authorship. A checkpoint is a book's head (its
seq and chain hash) signed with an Ed25519 key that lives outside the database, so a rewritten
row, a chain cut short or a replaced signature shows against the checkpoints, as long as
``ledger verify`` trusts the right public key. Signing and checking are pure computations;
where the key comes from is the adapters' business.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from creditline.domain.errors import InvariantViolation

#: Every signed message starts with this, so that a checkpoint signature can never be taken
#: for the signature of anything else the same key might sign.
CONTEXT = b"creditline-ledger-checkpoint/1"
KEY_BYTES = 32


def _ed25519() -> Any:
    """cryptography's Ed25519, imported on first use: a command that signs nothing (``line
    show``, ``--help``) does not pay for loading OpenSSL's bindings."""
    from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: PLC0415 - see above

    return ed25519


def _invalid_signature() -> type[Exception]:
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - as above

    return InvalidSignature


def fingerprint(raw_public_key: bytes) -> str:
    """A public key's short name: the first 128 bits of its SHA-256, in hex. It only picks the
    key; the signature, checked with the whole key, is what proves anything."""
    return hashlib.sha256(raw_public_key).hexdigest()[:32]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def key_bytes(text: str) -> bytes | None:
    """The 32 raw bytes of a key (public key or private seed) from base64, or None."""
    raw = _unb64(text)
    return raw if raw is not None and len(raw) == KEY_BYTES else None


class PublicKey:
    """An Ed25519 public key (32 raw bytes); ``text`` is how it is pinned and stored."""

    __slots__ = ("_key", "fingerprint", "raw")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise InvariantViolation("an Ed25519 public key is 32 bytes")
        self.raw = raw
        self.fingerprint = fingerprint(raw)
        self._key: Any = None

    @classmethod
    def from_text(cls, text: str) -> PublicKey | None:
        """The key from its base64 text, or None if the text is not one."""
        raw = key_bytes(text)
        return None if raw is None else cls(raw)

    @property
    def text(self) -> str:
        return _b64(self.raw)

    def verifies(self, message: bytes, signature: bytes) -> bool:
        if self._key is None:  # parsed once: verify runs on every checkpoint of every book
            self._key = _ed25519().Ed25519PublicKey.from_public_bytes(self.raw)
        try:
            self._key.verify(signature, message)
        except _invalid_signature():
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"PublicKey({self.fingerprint})"


class SigningKey:
    """An Ed25519 private key from its 32-byte seed. Making the seed (randomness) and keeping
    it (a file, the environment) are the adapters' part; signing is deterministic."""

    __slots__ = ("_key", "public")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != KEY_BYTES:
            raise InvariantViolation("an Ed25519 seed is 32 bytes")
        self._key = _ed25519().Ed25519PrivateKey.from_private_bytes(seed)
        self.public = PublicKey(self._key.public_key().public_bytes_raw())

    def sign(self, message: bytes) -> bytes:
        return bytes(self._key.sign(message))

    def __repr__(self) -> str:  # never the seed
        return f"SigningKey({self.public.fingerprint})"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A book's head as a key signed it: ``book`` is the kind (``line``, ``funds``)."""

    book: str
    book_id: str
    seq: int
    head_hash: str
    signed_at: datetime
    key_fingerprint: str
    signature: str  # base64 of the 64-byte Ed25519 signature

    def message(self) -> bytes:
        """What the signature covers: every field but the signature, in one fixed text."""
        signed_at = self.signed_at.astimezone(UTC).isoformat()
        fields = (self.book, self.book_id, str(self.seq), self.head_hash, signed_at)
        return b"\n".join((CONTEXT, self.key_fingerprint.encode(), "|".join(fields).encode()))

    def signed_by(self, key: PublicKey) -> bool:
        raw = _unb64(self.signature)
        return (
            raw is not None
            and key.fingerprint == self.key_fingerprint
            and key.verifies(self.message(), raw)
        )


def sign_head(
    key: SigningKey, book: str, head: tuple[str, int, str], signed_at: datetime
) -> Checkpoint:
    """The checkpoint of one head (book id, seq, hash) of a ``book``, signed with ``key``."""
    book_id, seq, head_hash = head
    unsigned = Checkpoint(book, book_id, seq, head_hash, signed_at, key.public.fingerprint, "")
    signature = _b64(key.sign(unsigned.message()))
    return Checkpoint(book, book_id, seq, head_hash, signed_at, key.public.fingerprint, signature)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a book, at ``seq``, with the facts that show it."""

    problem: str
    seq: int
    facts: dict[str, Any] = field(default_factory=dict)


class CheckpointWalk:
    """A book's checkpoints, held against its chain as ``verify`` walks it row by row.

    ``row`` takes each row's seq and the hash the chain reaches there, recomputed from the
    genesis over the rows' contents (never the stored hash columns, which a forger rewrites
    too). Only checkpoints whose signature verifies with a trusted key are held against the
    chain; the others are problems of their own. The first signed head the chain disagrees
    with is reported, not every one after it: those follow from the first.
    """

    def __init__(self, checkpoints: Iterable[Checkpoint], trusted: Mapping[str, PublicKey]) -> None:
        self.findings: list[Finding] = []
        self.count = 0
        self.signed_to = 0  # the highest seq any checkpoint claims, valid or not
        signed: list[Checkpoint] = []
        invalid: list[Checkpoint] = []
        untrusted: list[Checkpoint] = []
        for c in checkpoints:
            self.count += 1
            self.signed_to = max(self.signed_to, c.seq)
            key = trusted.get(c.key_fingerprint)
            if key is None:
                untrusted.append(c)
            elif c.signed_by(key):
                signed.append(c)
            else:
                invalid.append(c)
        for problem, bad in (
            ("checkpoint_signature_invalid", invalid),
            ("checkpoint_key_untrusted", untrusted),
        ):
            if bad:
                first = bad[0]
                facts = {"key": first.key_fingerprint, "count": len(bad)}
                self.findings.append(Finding(problem, first.seq, facts))
        self._pending = deque(sorted(signed, key=lambda c: c.seq))
        self._diverged = False

    def row(self, seq: int, chain_hash: str) -> None:
        pending = self._pending
        while pending and pending[0].seq < seq:  # a signed row the chain skipped
            self._diverge(Finding("checkpoint_row_missing", pending.popleft().seq))
        if pending and pending[0].seq == seq:
            c = pending.popleft()
            if c.head_hash != chain_hash:
                facts = {"signed_hash": c.head_hash, "chain_hash": chain_hash}
                self._diverge(Finding("checkpoint_mismatch", seq, facts))

    def end(self, last_seq: int) -> list[Finding]:
        """The findings, once the last row (``last_seq``, 0 for none) has been walked."""
        if self._pending:  # signed heads beyond the end: rows were cut off the chain
            facts = {"signed_seq": self._pending[-1].seq}
            self.findings.append(Finding("chain_truncated", last_seq, facts))
        if last_seq > self.signed_to:  # every commit signs its head: this tail never was
            facts = {"signed_seq": self.signed_to}
            self.findings.append(Finding("checkpoint_missing", last_seq, facts))
        return self.findings

    def _diverge(self, finding: Finding) -> None:
        if not self._diverged:
            self._diverged = True
            self.findings.append(finding)
