"""SQL of the ledger's signed checkpoints (签名检查点) and the public keys recorded with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, insert, select

from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.checkpoints import Checkpoint, PublicKey, SigningKey, sign_head
from creditline.domain.ledger import FUNDS_BOOK, LINE_BOOK


class SqlCheckpoints(SqlRepo):
    """The ``checkpoints`` port on SQL (written by ``SqlSession.seal`` at each commit)."""

    def checkpoints_of(self, book: str, book_id: str) -> list[Checkpoint]:
        c = t.ledger_checkpoints.c
        rows = self._exec(
            select(t.ledger_checkpoints).where(c.book_id == book_id, c.book == book).order_by(c.seq)
        )
        return [
            Checkpoint(
                r.book, r.book_id, r.seq, r.head_hash, r.signed_at, r.key_fingerprint, r.signature
            )
            for r in rows
        ]

    def recorded_keys(self) -> list[PublicKey]:
        rows = self._exec(select(t.ledger_keys.c.public_key).order_by(t.ledger_keys.c.fingerprint))
        return [k for r in rows if (k := PublicKey.from_text(r.public_key)) is not None]


def record_key(conn: Connection, key: PublicKey, now: datetime) -> bool:
    """Record a signing key's public half (its fingerprint names it in every checkpoint);
    returns whether it was new."""
    known = conn.execute(
        select(t.ledger_keys.c.fingerprint).where(t.ledger_keys.c.fingerprint == key.fingerprint)
    ).first()
    if known is not None:
        return False
    conn.execute(
        insert(t.ledger_keys),
        {
            "fingerprint": key.fingerprint,
            "algorithm": "ed25519",
            "public_key": key.text,
            "recorded_at": now,
        },
    )
    return True


def sign_unsigned_heads(conn: Connection, key: SigningKey, now: datetime) -> int:
    """Sign the head of every book that has transfers and no checkpoint at its head: the books
    a database had before it kept checkpoints. Run once, by the upgrade that adds them: run
    again later, it would sign whatever a forger left (trust on first use, documented)."""
    c = t.ledger_checkpoints.c
    rows = []
    for book, table, key_column in (
        (LINE_BOOK.name, t.lines, t.lines.c.id),
        (FUNDS_BOOK.name, t.funds_books, t.funds_books.c.party_id),
    ):
        signed = and_(c.book_id == key_column, c.book == book, c.seq == table.c.seq)
        heads = conn.execute(
            select(key_column.label("book_id"), table.c.seq, table.c.head_hash)
            .where(table.c.seq > 0, ~select(c.seq).where(signed).exists())
            .order_by(key_column)
        )
        for h in heads:
            cp = sign_head(key, book, (h.book_id, h.seq, h.head_hash), now)
            rows.append(
                {
                    "book_id": cp.book_id,
                    "book": cp.book,
                    "seq": cp.seq,
                    "head_hash": cp.head_hash,
                    "signed_at": cp.signed_at,
                    "key_fingerprint": cp.key_fingerprint,
                    "signature": cp.signature,
                }
            )
    if rows:
        conn.execute(insert(t.ledger_checkpoints), rows)
    return len(rows)
