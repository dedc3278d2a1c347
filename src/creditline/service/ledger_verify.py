"""Ledger verification (对账校验): recompute every balance, walk every hash chain, hold each
chain against its signed checkpoints, and each hold, occupancy and payout against the transfers
it came from."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from creditline.domain.checkpoints import CheckpointWalk, Finding
from creditline.domain.installments.plan_trail import plan_findings
from creditline.domain.ledger import GENESIS_HASH, Balances, Head, PostedTransfer, chain_hash
from creditline.domain.ledger_trail import (
    Trail,
    hold_findings,
    occupancy_findings,
    payout_findings,
)
from creditline.domain.money import Money
from creditline.service.ledger_ports import KeyTrust
from creditline.service.uow import Database, UnitOfWork


@dataclass
class VerifyReport:
    lines: int = 0
    funds_books: int = 0
    transfers: int = 0
    checkpoints: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)
    trust: KeyTrust = field(default_factory=lambda: KeyTrust((), "database"))

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "lines": self.lines,
            "funds_books": self.funds_books,
            "transfers": self.transfers,
            "checkpoints": self.checkpoints,
            "keys": {
                "trusted_by": self.trust.source,
                "anchored": self.trust.anchored,
                "fingerprints": [k.fingerprint for k in self.trust.keys],
            },
            "problems": self.problems,
            "first_bad": self.problems[0] if self.problems else None,
        }


def verify_ledger(db: Database, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check, book by book: the chain of hashes, the sequence, balances derived from transfers
    equal to the stored balances, no overdrawn account, the chain against its signed
    checkpoints; for a line, its holds and occupancy against their transfers, and for a funds
    book, its payouts.

    The chain alone proves nothing to someone who can write the database (they can recompute
    every hash); the checkpoints do, if their signatures verify with a key trusted from
    outside the database (``Database.trusted_keys``). With none, the keys recorded in the
    database are used and ``keys.anchored`` is false: that catches a careless forger only.
    """
    report = VerifyReport(trust=db.trusted_keys())
    with db.transaction(write=False) as uow:
        line_ids = list(uow.lines.line_ids())
        if not report.trust.keys:
            report.trust = KeyTrust(tuple(uow.checkpoints.recorded_keys()), "database")
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
    uow: UnitOfWork,
    report: VerifyReport,
    stored: Head,
    transfers: Iterable[PostedTransfer],
    *,
    trail: Trail,
    detail: Callable[[Balances], dict[str, int]] | None = None,
) -> tuple[dict[str, Any], Balances, str]:
    """Walk one book's chain and compare what its transfers add up to with the head stored
    beside them (``detail`` shows balances in a problem), and the chain with its signed
    checkpoints; ``trail`` gathers the transfers by what they name. Returns where the head
    is, the derived balances and the hash the chain ends on."""
    book, kind = stored.book_id, stored.balances.book.name
    prev, expected_seq = GENESIS_HASH, 0
    # The hash the chain reaches from the genesis over the rows' contents alone: what a
    # checkpoint signed. It differs from the stored hashes only where those were rewritten.
    running, last_seq = GENESIS_HASH, 0
    checkpoints = uow.checkpoints.checkpoints_of(kind, book)
    walk = CheckpointWalk(checkpoints, report.trust.by_fingerprint)
    report.checkpoints += walk.count
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
        running = recomputed if posted.prev_hash == running else _rehash(running, posted)
        walk.row(posted.seq, running)
        last_seq = posted.seq
        trail.add(posted.transfer)
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
    for f in walk.end(last_seq):
        report.problems.append({kind: book, "seq": f.seq, "problem": f.problem, **f.facts})
    return at_head, derived, prev


def _rehash(prev: str, posted: PostedTransfer) -> str:
    return chain_hash(
        prev,
        book_id=posted.book_id,
        seq=posted.seq,
        movement_id=posted.movement_id,
        transfer=posted.transfer,
        created_at=posted.created_at,
    )


def _at_head(report: VerifyReport, at_head: dict[str, Any], findings: list[Finding]) -> None:
    """Findings about records kept beside a book, placed at the book's head."""
    for f in findings:
        report.problems.append({**at_head, "problem": f.problem, **f.facts})


def _verify_funds(uow: UnitOfWork, party_id: str, report: VerifyReport) -> None:
    seq, head_hash, balances = uow.funds.funds_head(party_id)
    head = Head(party_id, seq, head_hash, balances)
    trail = Trail()
    transfers = uow.funds.funds_transfers_of(party_id)
    at_head, _, _ = _verify_book(uow, report, head, transfers, trail=trail)
    payouts = [r.payout for r in uow.payouts.payouts(party_id)]
    _at_head(report, at_head, payout_findings(payouts, trail))


def _verify_line(uow: UnitOfWork, line_id: str, report: VerifyReport) -> None:
    line = uow.lines.read_line(line_id)
    transfers = uow.lines.transfers_of(line_id)
    trail = Trail()
    at_head, derived, last_hash = _verify_book(
        uow, report, line.head, transfers, trail=trail, detail=_quota
    )
    occupancies = uow.holds.occupancies_of(line_id)
    plans = uow.installments.plans_of(line_id)
    _at_head(report, at_head, hold_findings(uow.holds.holds_of(line_id), occupancies, trail))
    by_row = occupancy_findings(occupancies, trail, [(p.id, p.hold_id) for p in plans])
    by_row.extend(plan_findings(plans, trail))
    _at_head(report, at_head, by_row)
    # Occupied quota is the occupancy rows' and the installment plans' principal owed.
    open_rows = uow.holds.open_occupancies(line_id)
    outstanding = Money.total((o.outstanding for o in open_rows), derived.currency) + Money.total(
        (p.owed_principal for p in plans), derived.currency
    )
    if line.open_orders != len(open_rows):  # the running count the answers read
        report.problems.append(
            {
                **at_head,
                "problem": "open_orders_mismatch",
                "open_orders": line.open_orders,
                "open_rows": len(open_rows),
            }
        )
    # The total is checked when every row agrees with its own transfers; when one does not,
    # the total disagrees for the same reason and would only say it twice.
    if not by_row and outstanding != derived.occupied:
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
