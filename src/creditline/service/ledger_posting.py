"""Posting (记账) a movement to a hash-chained book: a line's quota book or a merchant's funds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from creditline.domain.ledger import Head, Posting, Transfer, chain


class BookRepo(Protocol):
    """A repository that keeps hash-chained books."""

    def append(self, posting: Posting) -> None:
        """Add the posting's transfers to its book and move the book's head from
        ``posting.before`` to ``posting.after``, where the head still is ``posting.before``:
        when another writer moved it, the transaction fails with ``Conflict`` (at once, or
        when a buffered write reaches the database) and nothing of it is kept."""


def post_to_book(
    book: BookRepo, head: Head, movement_id: str, transfers: Sequence[Transfer], now: datetime
) -> Head:
    """Post one movement and return the book's new head.

    The caller holds the book's row lock and read ``head`` under it (a line command locks its
    line first, to read the key's stored answer in the same statement). The transfers are
    chained after that head, and the write moves the head only from there: two writers that
    both got past the lock would otherwise fork the chain, so the second ends in ``Conflict``
    and a ``retried`` use case runs again on the new head.
    """
    posting = chain(head, movement_id, transfers, now)
    if posting.transfers:
        book.append(posting)
    return posting.after
