"""One open line per party and product (R2): a second is refused, naming the first, even when
two opens race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.repos.lines_sql import SqlLines
from creditline.domain.errors import Conflict, Refused
from creditline.domain.quota.lines import LineStatus
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from tests.helpers import backend_of


def verified_merchant(db: SqlDatabase, name: str = "小王") -> str:
    m = parties.add_party(db, kind="merchant", name=name).body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="6222")
    return str(m)


def open_bnpl(db: SqlDatabase, m: str, key: str | None = None) -> str:
    return str(
        lines.open_line(db, m, product="merchant_bnpl", limit="500000.00", key=key).body["id"]
    )


def test_xiaowang_cannot_open_a_second_bnpl_line_until_the_first_is_closed(
    db: SqlDatabase,
) -> None:
    m = verified_merchant(db)
    first = open_bnpl(db, m)
    with pytest.raises(Refused) as refused:
        open_bnpl(db, m)
    assert refused.value.code == "line_already_open"
    [reason] = refused.value.reasons
    assert reason.facts["line"] == first
    assert first in reason.message_en
    assert first in reason.message_zh
    # With a key the refusal is an answer, and a replay gives it again.
    stored = lines.open_line(db, m, product="merchant_bnpl", limit="1.00", key="again")
    assert stored.refused
    assert stored.body["reasons"][0]["facts"]["line"] == first
    # Another product is another line.
    installment = lines.open_line(db, m, product="installment", limit="1000.00").body
    assert installment["product"] == "installment"
    # A closed line leaves room (there is no close command yet: the repository closes it).
    with db.transaction() as uow:
        uow.lines.set_line_status(first, LineStatus.CLOSED, datetime.now(UTC))
    second = open_bnpl(db, m)
    assert second != first
    assert lines.show_line(db, second).body["status"] == "pending_activation"


def test_the_database_refuses_a_second_open_line_that_skipped_the_check(
    db: SqlDatabase,
) -> None:
    m = verified_merchant(db)
    open_bnpl(db, m)
    now = datetime.now(UTC)
    with pytest.raises(Conflict, match="uq_lines_party_id_product"), db.transaction() as uow:
        uow.lines.insert_line(
            line_id="line_sneaky", party_id=m, product="merchant_bnpl", currency="CNY", now=now
        )


def test_two_opens_at_once_make_one_line_and_the_other_is_told_which(
    db: SqlDatabase, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL both requests are held until both have looked and found no line, so both
    insert: the unique index lets one through, the other retries and is refused. (SQLite's
    write lock already makes the second wait for the first, so it sees the line.)"""
    m = verified_merchant(db)
    if backend_of(db_url) == "postgresql":
        both_looked = threading.Barrier(2, timeout=30)
        looked: set[int] = set()
        original: Callable[..., str | None] = SqlLines.open_line_of

        def look_then_wait(self: SqlLines, party_id: str, product: str) -> str | None:
            found = original(self, party_id, product)
            if threading.get_ident() not in looked:  # the first look only, not the retry
                looked.add(threading.get_ident())
                both_looked.wait()
            return found

        monkeypatch.setattr(SqlLines, "open_line_of", look_then_wait)

    def attempt(_: int) -> tuple[str, str]:
        try:
            return "opened", open_bnpl(db, m)
        except Refused as exc:
            return "refused", str(exc.reasons[0].facts["line"])

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(attempt, range(2)))
    (opened, line), (refused, named) = results
    assert (opened, refused) == ("opened", "refused")
    assert named == line
    with db.transaction(write=False) as uow:
        assert uow.lines.lines_of_party(m) == [line]
