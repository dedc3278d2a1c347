"""Ledger verification (对账校验): recompute every balance and walk every hash chain."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from creditline.domain.ledger import GENESIS_HASH, Balances, Head, PostedTransfer, chain_hash
from creditline.domain.money import Money
from creditline.service.uow import Database, UnitOfWork


@dataclass
class VerifyReport:
    lines: int = 0
    funds_books: int = 0
    transfers: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "lines": self.lines,
            "funds_books": self.funds_books,
            "transfers": self.transfers,
            "problems": self.problems,
            "first_bad": self.problems[0] if self.problems else None,
        }


def verify_ledger(db: Database, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check, line by line: the chain of hashes, the sequence, balances derived from transfers
    equal to the stored balances, no overdrawn account, and occupancy equal to its rows."""
    report = VerifyReport()
    with db.transaction(write=False) as uow:
        line_ids = list(uow.lines.line_ids())
    for line_id in line_ids:
        with db.transaction(write=False) as uow:
            _verify_line(uow, line_id, report)
        report.lines += 1
        if progress is not None:
            progress(1)
    with db.transaction(write=False) as uow:
        books = uow.funds.funds_party_ids()
    for party_id in books:
        with db.transaction(write=False) as uow:
            _verify_funds(uow, party_id, report)
        report.funds_books += 1
    return report


def _verify_book(
    report: VerifyReport,
    kind: str,
    stored: Head,
    transfers: Iterable[PostedTransfer],
    detail: Callable[[Balances], dict[str, int]] | None = None,
) -> tuple[dict[str, Any], Balances, str]:
    """Walk one book's chain (``kind`` is ``line`` or ``funds``) and compare what its transfers
    add up to with the head stored beside them (``detail`` shows balances in a problem).
    Returns where the head is, the derived balances and the hash the chain ends on."""
    book = stored.book_id
    prev, expected_seq = GENESIS_HASH, 0
    derived = Balances.empty(stored.balances.book, stored.balances.currency)
    for posted in transfers:
        report.transfers += 1
        expected_seq += 1
        where = {kind: book, "seq": posted.seq}
        if posted.seq != expected_seq:
            report.problems.append(
                {**where, "problem": "sequence_gap", "expected_seq": expected_seq}
            )
            expected_seq = posted.seq
        if posted.prev_hash != prev:
            report.problems.append({**where, "problem": "chain_broken"})
        recomputed = chain_hash(
            posted.prev_hash,
            book_id=book,
            seq=posted.seq,
            movement_id=posted.movement_id,
            transfer=posted.transfer,
            created_at=posted.created_at,
        )
        if recomputed != posted.hash:
            report.problems.append({**where, "problem": "hash_mismatch"})
        prev = posted.hash
        derived = derived.apply([posted.transfer])
    at_head = {kind: book, "seq": stored.seq}
    if stored.seq != expected_seq or stored.hash != prev:
        report.problems.append({**at_head, "problem": "head_mismatch", "ledger_seq": expected_seq})
    if derived != stored.balances:
        both = {"stored": detail(stored.balances), "derived": detail(derived)} if detail else {}
        report.problems.append({**at_head, "problem": "balance_mismatch", **both})
    if not derived.is_consistent:
        shown = {"derived": detail(derived)} if detail else {}
        report.problems.append({**at_head, "problem": "overdrawn", **shown})
    return at_head, derived, prev


def _verify_funds(uow: UnitOfWork, party_id: str, report: VerifyReport) -> None:
    seq, head_hash, balances = uow.funds.funds_head(party_id)
    head = Head(party_id, seq, head_hash, balances)
    _verify_book(report, "funds", head, uow.funds.funds_transfers_of(party_id))


def _verify_line(uow: UnitOfWork, line_id: str, report: VerifyReport) -> None:
    line = uow.lines.read_line(line_id)
    transfers = uow.lines.transfers_of(line_id)
    at_head, derived, last_hash = _verify_book(report, "line", line.head, transfers, _quota)
    outstanding = Money.total(
        (o.outstanding for o in uow.holds.open_occupancies(line_id)), derived.currency
    )
    if outstanding != derived.occupied:
        report.problems.append(
            {
                **at_head,
                "problem": "occupancy_mismatch",
                "occupancy_rows": outstanding.minor,
                "occupied": derived.occupied.minor,
            }
        )
    report.heads[line_id] = last_hash


def _quota(b: Balances) -> dict[str, int]:
    """A line's quota balances as a problem shows them, in minor units."""
    return {
        "limit": b.limit.minor,
        "available": b.available.minor,
        "held": b.held.minor,
        "occupied": b.occupied.minor,
    }
