"""Tables of the ledger's tamper evidence, as the live code sees them: the signed checkpoints of
every book's head and the public keys that signed them (migration 0005 builds the same)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import UtcDateTime


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to the metadata)."""
    out: dict[str, Any] = {}
    # Append-only (triggers, migration 0005). Keyed by the book's id first, like the hot
    # tables, so that a line's checkpoints live on its line's shard.
    out["ledger_checkpoints"] = table(
        "ledger_checkpoints",
        sa.Column("book_id", sa.String(40), nullable=False),
        sa.Column("book", sa.String(8), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", UtcDateTime, nullable=False),
        sa.Column("key_fingerprint", sa.String(32), nullable=False),
        sa.Column("signature", sa.String(88), nullable=False),
        sa.PrimaryKeyConstraint("book_id", "book", "seq"),
        sa.CheckConstraint("book IN ('line', 'funds')", name="book"),
        sa.CheckConstraint("seq > 0", name="seq"),
        sqlite_with_rowid=False,
    )
    out["ledger_keys"] = table(
        "ledger_keys",
        sa.Column("fingerprint", sa.String(32), primary_key=True),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("algorithm IN ('ed25519')", name="algorithm"),
    )
    return out
