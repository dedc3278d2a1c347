"""The migrations build exactly the declared schema, and the database refuses bad rows."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.tables import metadata
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties


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


def _line(db: SqlDatabase) -> str:
    m = parties.add_party(db, kind="merchant", name="衣尚坊").body["id"]
    return lines.open_line(db, m, product="merchant_bnpl", limit="100.00").body["id"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE lines SET available = -1, held = held + available + 1 WHERE id = :line",
        "UPDATE lines SET held = held + 1 WHERE id = :line",  # no longer sums to the limit
        _transfer("'available', 'held', 0"),  # a transfer of nothing
        _transfer("'held', 'held', 5"),  # one account on both sides
        _transfer("'cash', 'held', 5"),  # an account that does not exist
        "DELETE FROM ledger_transfers WHERE line_id = :line",
    ],
)
def test_the_database_itself_refuses_overdrafts_and_unbalanced_or_edited_history(
    db: SqlDatabase, statement: str
) -> None:
    line = _line(db)
    with pytest.raises(DBAPIError), db.engine.begin() as conn:
        conn.execute(text(statement), {"line": line})


def test_every_movement_and_every_line_sums_to_zero_in_the_postings_view(db: SqlDatabase) -> None:
    _line(db)
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT movement_id, SUM(amount) FROM postings GROUP BY movement_id")
        ).all()
    assert rows
    assert all(total == 0 for _, total in rows)
