"""The migrations build exactly the declared schema, and the database itself refuses bad rows,
naming the constraint that refused them (through the typed ``StorageError``)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.tables import metadata
from creditline.domain.errors import StorageError
from creditline.service import sandbox_clock as clock
from creditline.service.quota import spending
from creditline.service.settlement import order_flow as orders
from tests.helpers import active_line, backend_of


def test_the_migrations_build_the_declared_schema(db: SqlDatabase) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # Alembic cannot see CHECK constraints or partial-index clauses; indexes and columns it can.
    assert diff == []


def _transfer(accounts_and_amount: str) -> str:
    return (
        "INSERT INTO ledger_transfers (line_id, seq, tenant_id, movement_id, movement, "
        "debit_account, credit_account, amount, currency, ref, created_at, prev_hash, hash) "
        f"VALUES (:line, 99, 'default', 'm', 'authorize', {accounts_and_amount}, 'CNY', '', "
        "'2024-05-01 00:00:00', 'x', 'y')"
    )


#: SQLite reports a foreign key violation without naming the key; PostgreSQL names it.
UNKNOWN_ACCOUNT = {
    "postgresql": r"\bfk_ledger_transfers_debit_account_account_kinds\b",
    "sqlite": r"FOREIGN KEY constraint failed",
}
#: A trigger names no constraint: its message names the table it guards.
APPEND_ONLY = r"\bledger_transfers is append-only\b"

GUARDS = [
    pytest.param(
        "UPDATE lines SET available = -1, held = held + available + 1 WHERE id = :line",
        r"\bck_lines_no_overdraft\b",
        id="overdraft",
    ),
    pytest.param(
        "UPDATE lines SET held = held + 1 WHERE id = :line",
        r"\bck_lines_accounts_sum_to_limit\b",
        id="accounts-off-the-limit",
    ),
    pytest.param(
        "UPDATE lines SET frozen = frozen + 1, available = available - 1, open_freezes = -1 "
        "WHERE id = :line",
        r"\bck_lines_no_overdraft\b",
        id="negative-freeze-count",
    ),
    pytest.param(
        _transfer("'available', 'held', 0"), r"\bck_ledger_transfers_positive\b", id="nothing"
    ),
    pytest.param(
        _transfer("'held', 'held', 5"), r"\bck_ledger_transfers_two_accounts\b", id="one-account"
    ),
    pytest.param(_transfer("'cash', 'held', 5"), UNKNOWN_ACCOUNT, id="unknown-account"),
    pytest.param("DELETE FROM ledger_transfers WHERE line_id = :line", APPEND_ONLY, id="delete"),
    pytest.param("UPDATE ledger_transfers SET amount = amount + 1", APPEND_ONLY, id="edit"),
    pytest.param(
        "UPDATE holds SET captured = amount + 1 WHERE line_id = :line",
        r"\bck_holds_captured\b",
        id="capture-over-the-hold",
    ),
    pytest.param(
        "UPDATE occupancies SET outstanding = outstanding + 1 WHERE line_id = :line",
        r"\bck_occupancies_outstanding\b",
        id="occupancy-over-the-capture",
    ),
    pytest.param(
        "UPDATE funds_books SET escrow = escrow - 100001",
        r"\bck_funds_books_no_overdraft\b",
        id="funds-overdraft",
    ),
    pytest.param(
        "UPDATE funds_books SET receivable = -1, clearing = clearing - 1",
        r"\bck_funds_books_receivable\b",
        id="negative-receivable",
    ),
    pytest.param(
        "UPDATE orders SET returned = amount + 1", r"\bck_orders_amounts\b", id="over-return"
    ),
]


@pytest.fixture
def line(db: SqlDatabase) -> str:
    """A line with a captured hold (occupancy) and a merchant with a funds book."""
    clock.set_clock(db, "2024-05-06T10:00:00+08:00")
    merchant, line = active_line(db, limit="100.00")
    hold = spending.authorize(db, line, amount="60.00", purpose="procurement", key="a")
    spending.capture(db, hold.body["id"], amount="50.00", key="c")
    orders.add_order(db, merchant, order_id="TB1", amount="1000.00")
    orders.ship_order(db, "TB1")
    orders.confirm_order(db, "TB1")
    return line


@pytest.mark.parametrize(("statement", "refused_by"), GUARDS)
def test_the_database_itself_refuses_overdrafts_and_unbalanced_or_edited_history(
    db: SqlDatabase, db_url: str, line: str, statement: str, refused_by: str | dict[str, str]
) -> None:
    if isinstance(refused_by, dict):
        refused_by = refused_by[backend_of(db_url)]
    with pytest.raises(StorageError, match=refused_by), db.transaction() as uow:
        uow.session.execute(text(statement), {"line": line})  # type: ignore[attr-defined]


def test_every_movement_and_every_line_sums_to_zero_in_the_postings_view(
    db: SqlDatabase, line: str
) -> None:
    with db.engine.connect() as conn:
        movements = conn.execute(
            text("SELECT movement_id, SUM(amount) FROM postings GROUP BY movement_id")
        ).all()
        books = conn.execute(text("SELECT line_id, SUM(amount) FROM postings GROUP BY line_id"))
        per_line = dict(books.all())
    assert len(movements) == 3  # the grant, the authorisation, the capture with its release
    assert all(total == 0 for _, total in movements)
    assert per_line == {line: 0}
