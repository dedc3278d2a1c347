"""One read for many answers: ``one_read(db)`` opens a single read-only transaction and gives
a ``Database`` whose read transactions all run inside it.

A page that shows a line (额度管理) asks ten use cases (balances, freezes, orders, history,
limit changes, requests, appeals, reviews, temporary quota, plans). Each opening its own
transaction paid ten BEGINs and COMMITs, and each section could see a different moment: a spend
landing between two of them showed the page its balances from before and its orders from
after. Inside ``one_read`` every section reads the same snapshot, at the same transaction
clock, and the page pays for one transaction.

Writing through it is a mistake and says so (``ReadOnlySnapshot``): a write would not be seen
by the reads around it, and a page must not write while it reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from creditline.service.ledger_ports import KeyTrust
from creditline.service.settlement.settlement_ports import PaymentChannel
from creditline.service.uow import Database, UnitOfWork


class ReadOnlySnapshot(RuntimeError):
    """A write asked of ``one_read``'s database: a programming error, not bad input."""


class _Snapshot:
    """A ``Database`` whose read transactions are one open transaction of another."""

    def __init__(self, db: Database, uow: UnitOfWork) -> None:
        self._db = db
        self._uow = uow

    @contextmanager
    def transaction(self, *, write: bool = True, snapshot: bool = True) -> Iterator[UnitOfWork]:
        del snapshot  # every read here is one snapshot already
        if write:
            raise ReadOnlySnapshot("one_read: a write inside a read snapshot")
        yield self._uow  # committed (it wrote nothing) when the outer read ends

    def channel(self, db: Database | None = None) -> PaymentChannel:
        return self._db.channel(db)

    def trusted_keys(self) -> KeyTrust:
        return self._db.trusted_keys()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


@contextmanager
def one_read(db: Database) -> Iterator[Database]:
    """A ``Database`` whose reads, for the block, share one read-only transaction of ``db``
    (one snapshot, one clock, one BEGIN). An error a use case raises inside it (``NotFound``)
    leaves the snapshot usable for the next one; writes raise ``ReadOnlySnapshot``."""
    with db.transaction(write=False, snapshot=True) as uow:
        yield _Snapshot(db, uow)


def read_line_ahead(db: Database, line_id: str) -> None:
    """Inside ``one_read``: the page is about to show much of ``line_id``, so the rows it
    reads of it everywhere may come together (on PostgreSQL one round trip instead of five).
    Changes no answer; call it after the visitor may see the line."""
    with db.transaction(write=False) as uow:
        uow.read_ahead(line_id)
