"""Ledger verification (对账校验): recompute every balance and walk every hash chain."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from creditline.domain.ledger import (
    GENESIS_HASH,
    Balances,
    FundsBalances,
    PostedTransfer,
    chain_hash,
)
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


def _verify_chain(
    report: VerifyReport, book: str, key: str, transfers: Iterable[PostedTransfer]
) -> tuple[int, str, list[PostedTransfer]]:
    """Walk one book's chain; returns the last seq, the head hash, and the transfers."""
    prev, expected_seq = GENESIS_HASH, 0
    seen: list[PostedTransfer] = []
    for posted in transfers:
        report.transfers += 1
        expected_seq += 1
        where = {key: book, "seq": posted.seq}
        if posted.seq != expected_seq:
            report.problems.append(
                {**where, "problem": "sequence_gap", "expected_seq": expected_seq}
            )
            expected_seq = posted.seq
        if posted.prev_hash != prev:
            report.problems.append({**where, "problem": "chain_broken"})
        recomputed = chain_hash(
            posted.prev_hash,
            line_id=book,
            seq=posted.seq,
            movement_id=posted.movement_id,
            transfer=posted.transfer,
            created_at=posted.created_at,
        )
        if recomputed != posted.hash:
            report.problems.append({**where, "problem": "hash_mismatch"})
        prev = posted.hash
        seen.append(posted)
    return expected_seq, prev, seen


def _verify_funds(uow: UnitOfWork, party_id: str, report: VerifyReport) -> None:
    seq, head, stored = uow.funds.funds_head(party_id)
    last, prev, transfers = _verify_chain(
        report, party_id, "funds", uow.funds.funds_transfers_of(party_id)
    )
    derived = FundsBalances(stored.currency).apply(t.transfer for t in transfers)
    at_head = {"funds": party_id, "seq": seq}
    if seq != last or head != prev:
        report.problems.append({**at_head, "problem": "head_mismatch", "ledger_seq": last})
    if derived != stored:
        report.problems.append({**at_head, "problem": "balance_mismatch"})
    if not derived.is_consistent:
        report.problems.append({**at_head, "problem": "overdrawn"})


def _verify_line(uow: UnitOfWork, line_id: str, report: VerifyReport) -> None:
    row = uow.lines.get_line(line_id)
    expected_seq, prev, transfers = _verify_chain(
        report, line_id, "line", uow.lines.transfers_of(line_id)
    )
    derived = Balances(row.balances.currency).apply(t.transfer for t in transfers)
    at_head = {"line": line_id, "seq": row.seq}
    if row.seq != expected_seq or row.head_hash != prev:
        report.problems.append({**at_head, "problem": "head_mismatch", "ledger_seq": expected_seq})
    if derived != row.balances:
        report.problems.append(
            {
                **at_head,
                "problem": "balance_mismatch",
                "stored": _b(row.balances),
                "derived": _b(derived),
            }
        )
    if not derived.is_consistent:
        report.problems.append({**at_head, "problem": "overdrawn", "derived": _b(derived)})
    outstanding = sum(o.outstanding for o in uow.holds.open_occupancies(line_id))
    if outstanding != derived.occupied:
        report.problems.append(
            {
                **at_head,
                "problem": "occupancy_mismatch",
                "occupancy_rows": outstanding,
                "occupied": derived.occupied,
            }
        )
    report.heads[line_id] = prev


def _b(b: Balances) -> dict[str, int]:
    return {"limit": b.limit, "available": b.available, "held": b.held, "occupied": b.occupied}
