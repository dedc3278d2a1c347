"""In-memory fake of the checkpoints port, and the signing the SQL adapter does at each commit
(see ``tests/fakes.py``): the fake books are signed as the real ones are, so ``verify`` on the
fakes holds them against their checkpoints too."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from creditline.domain.checkpoints import Checkpoint, PublicKey, SigningKey, sign_head

if TYPE_CHECKING:
    from datetime import datetime

    from tests.fakes import FakeState


def new_signing_key() -> SigningKey:
    """A throwaway key (the adapters make real ones; the domain takes a seed)."""
    return SigningKey(secrets.token_bytes(32))


class FakeCheckpoints:
    """The ``checkpoints`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def checkpoints_of(self, book: str, book_id: str) -> list[Checkpoint]:
        return sorted(self.s.checkpoints.get((book, book_id), []), key=lambda c: c.seq)

    def recorded_keys(self) -> list[PublicKey]:
        return list(self.s.ledger_keys)


def seal(state: FakeState, key: SigningKey, now: datetime) -> None:
    """What ``SqlSession.seal`` does at commit: sign the last head of each book moved."""
    if key.public not in state.ledger_keys:
        state.ledger_keys.append(key.public)
    for (book, book_id), head in state.moved.items():
        signed = sign_head(key, book, (book_id, head.seq, head.hash), now)
        state.checkpoints.setdefault((book, book_id), []).append(signed)
    state.moved.clear()
