"""``ledger verify`` (对账校验) names each kind of tampering for what it is, on both databases.

Each case edits the books behind creditline's back (the append-only triggers dropped first, as
an intruder with the database password would) and expects exactly the problems that edit
causes, in order: a check that misses its problem, or reports it under another name, fails.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.ledger import chain_hash
from creditline.domain.money import Money
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import spending
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.helpers import active_line, drop_append_only_guards, tamper

FORGED = "f" * 64


@dataclass
class Books:
    url: str
    merchant: str
    line: str


@pytest.fixture
def books(db: SqlDatabase, db_url: str) -> Books:
    """衣尚坊's line (limit 1,000.00): seq 1 grant, 2 a 300.00 hold, 3 its capture (occupancy
    of order PO1), 4 a 100.00 hold; and its funds book from one sale of 500.00, split to it."""
    clock.set_clock(db, "2024-05-06T10:00:00+08:00")
    merchant, line = active_line(db, limit="1000.00")
    hold = spending.authorize(
        db, line, amount="300.00", purpose="procurement", key="a1", order="PO1"
    )
    spending.capture(db, hold.body["id"], amount=None, key="c1")
    spending.authorize(db, line, amount="100.00", purpose="logistics", key="a2")
    splits.set_split_rule(db, merchant, rule="merchant:100")
    orders.add_order(db, merchant, order_id="TB1", amount="500.00", buyer="b")
    orders.ship_order(db, "TB1")
    orders.confirm_order(db, "TB1")
    run_due(db)
    report = verify_ledger(db)
    assert report.ok, report.problems
    assert report.funds_books == 1
    drop_append_only_guards(db_url)
    return Books(db_url, merchant, line)


def _problems(db: SqlDatabase) -> list[tuple[str, int, str]]:
    report = verify_ledger(db)
    assert report.ok is not bool(report.problems)
    return [(p.get("line") or p["funds"], p["seq"], p["problem"]) for p in report.problems]


def _rehash(db: SqlDatabase, line: str, seq: int, **change: object) -> dict[str, str]:
    """Row ``seq`` of the line's chain with ``change`` (prev_hash, amount) and its own hash
    recomputed to match, as a careful forger would write it."""
    with db.transaction(write=False) as uow:
        posted = next(p for p in uow.lines.transfers_of(line) if p.seq == seq)
    prev = str(change.get("prev_hash", posted.prev_hash))
    transfer = posted.transfer
    if "amount" in change:
        amount = Money(int(str(change["amount"])), transfer.amount.currency)
        transfer = dataclasses.replace(transfer, amount=amount)
    forged = chain_hash(
        prev,
        book_id=posted.book_id,
        seq=posted.seq,
        movement_id=posted.movement_id,
        transfer=transfer,
        created_at=posted.created_at,
    )
    return {"prev": prev, "hash": forged, "old_hash": posted.hash}


def test_a_prev_hash_rewritten_with_its_own_hash_recomputed_breaks_the_chain(
    db: SqlDatabase, books: Books
) -> None:
    """The row is consistent with itself; only its link to the row before it is wrong, and so
    is the next row's link to it."""
    forged = _rehash(db, books.line, 2, prev_hash="a" * 64)
    tamper(
        books.url,
        ["UPDATE ledger_transfers SET prev_hash = :prev, hash = :hash WHERE seq = 2"],
        {"prev": forged["prev"], "hash": forged["hash"]},
    )
    assert _problems(db) == [
        (books.line, 2, "chain_broken"),
        (books.line, 3, "chain_broken"),
    ]


def test_an_overspend_written_into_the_chain_is_found_overdrawn(
    db: SqlDatabase, books: Books
) -> None:
    """The 100.00 hold rewritten to 800.00, re-hashed, and the line's head moved to it: the
    chain holds, but its transfers hold more than the limit (the stored row cannot: its CHECK
    refuses a negative balance), the head signed at seq 4 is another, and the hold's row still
    says 100.00 (tests/test_ledger_tamper.py has the forger who also moves the balances)."""
    forged = _rehash(db, books.line, 4, amount=800_00)
    tamper(
        books.url,
        [
            "UPDATE ledger_transfers SET amount = 80000, hash = :hash WHERE seq = 4",
            "UPDATE lines SET head_hash = :hash",
        ],
        {"hash": forged["hash"]},
    )
    assert _problems(db) == [
        (books.line, 4, "balance_mismatch"),
        (books.line, 4, "overdrawn"),
        (books.line, 4, "checkpoint_mismatch"),
        (books.line, 4, "hold_mismatch"),
    ]


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        ("UPDATE lines SET head_hash = :forged", [("line", 4, "head_mismatch")]),
        ("UPDATE lines SET seq = 3", [("line", 3, "head_mismatch")]),
        (
            "UPDATE occupancies SET outstanding = outstanding - 1",
            [("line", 4, "occupancy_mismatch")],
        ),
        # The funds book: a transfer, the stored balances, the head.
        (
            "UPDATE funds_transfers SET amount = amount + 1 WHERE seq = 1",
            [
                ("funds", 1, "hash_mismatch"),
                ("funds", 2, "balance_mismatch"),
                ("funds", 1, "checkpoint_mismatch"),
            ],
        ),
        (
            "UPDATE funds_books SET merchant_balance = merchant_balance + 1",
            [("funds", 2, "balance_mismatch")],
        ),
        ("UPDATE funds_books SET head_hash = :forged", [("funds", 2, "head_mismatch")]),
    ],
    ids=["line-head", "line-seq", "occupancy", "funds-transfer", "funds-balance", "funds-head"],
)
def test_each_edit_is_named_for_what_it_broke(
    db: SqlDatabase, books: Books, statement: str, found: list[tuple[str, int, str]]
) -> None:
    tamper(books.url, [statement], {"forged": FORGED} if ":forged" in statement else None)
    book = {"line": books.line, "funds": books.merchant}
    assert _problems(db) == [(book[kind], seq, problem) for kind, seq, problem in found]
