"""The hot-path cursor (issue 18, item 1): writes queued and sent together, on PostgreSQL in
one pipeline with the read or the COMMIT that follows them. A write that must affect a given
number of rows is checked by the server, so a miss never commits the writes beside it. (The
writes sent together are independent: on PostgreSQL they share one statement's snapshot.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.database import SqlDatabase
from creditline.domain.errors import Conflict
from creditline.service.quota.spending import authorize
from tests.helpers import active_line, make_db

PROBE = hp.Statement("INSERT INTO meta (key, value) VALUES (:key, :value)")
TOUCH = hp.Statement("UPDATE meta SET value = value WHERE key = :key")
READ = hp.Statement("SELECT value FROM meta WHERE key = :key")


def _probe(db: SqlDatabase, key: str) -> str | None:
    with db.engine.connect() as conn:
        value = conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()
    return None if value is None else str(value)


def test_queued_writes_commit_together(db: SqlDatabase) -> None:
    with db.transaction() as uow:
        cur = uow.session.cursor
        cur.write(PROBE, [{"key": "probe-a", "value": "1"}])
        cur.write(TOUCH, [{"key": "sandbox"}], expect=1)
    assert _probe(db, "probe-a") == "1"


def test_a_read_sees_the_writes_queued_before_it(db: SqlDatabase) -> None:
    with db.transaction() as uow:
        cur = uow.session.cursor
        cur.write(PROBE, [{"key": "probe-b", "value": "2"}, {"key": "probe-c", "value": "3"}])
        cur.write(TOUCH, [{"key": "sandbox"}], expect=1)
        assert cur.execute(READ, {"key": "probe-c"}).fetchone()[0] == "3"
    assert _probe(db, "probe-b") == "2"


@pytest.mark.parametrize("then_read", [False, True], ids=["at-commit", "before-a-read"])
def test_a_missed_row_count_commits_nothing(db: SqlDatabase, *, then_read: bool) -> None:
    """A write that misses its row count fails the transaction, whether the COMMIT or a read
    follows it, and nothing queued beside it is written; the connection serves again."""

    def refused() -> None:
        with db.transaction() as uow:
            cur = uow.session.cursor
            cur.write(PROBE, [{"key": "probe-d", "value": "4"}])
            cur.write(TOUCH, [{"key": "no-such-key"}], expect=1)
            if then_read:
                cur.execute(READ, {"key": "probe-d"})
                pytest.fail("the read ran after a refused write")

    with pytest.raises(Conflict, match="UPDATE meta"):
        refused()
    assert _probe(db, "probe-d") is None
    with db.transaction() as uow:
        uow.session.cursor.write(PROBE, [{"key": "probe-d", "value": "5"}])
    assert _probe(db, "probe-d") == "5"


def test_postgresql_sends_the_last_writes_with_the_commit(db: SqlDatabase) -> None:
    with db.transaction() as uow:
        cur = uow.session.cursor
        cur.write(PROBE, [{"key": "probe-f", "value": "7"}])
        committed = cur.commit()
        assert committed is (db.engine.dialect.name == "postgresql")
    assert _probe(db, "probe-f") == "7"


# -- a spend's history read behind its line's lock -------------------------------------------
def test_the_history_read_with_the_lock_is_the_history_read_alone(db_url: str) -> None:
    """Outside the sandbox (the wall clock), a spend on a line seen before reads its history
    features in its lock's round trip on PostgreSQL; they equal the features read alone."""
    db = make_db(db_url, sandbox=False, now=datetime.now(UTC))
    try:
        party, line = active_line(db)
        for i in range(3):
            authorize(db, line, amount="10.00", purpose="procurement", key=f"k{i}")
        with db.transaction() as uow:
            uow.lines.lock_line(line, None, for_spend=True)
            ahead = uow.session.features_ahead
            assert (ahead is not None) is (db.engine.dialect.name == "postgresql")
            now = db.wall_clock()
            first = uow.risk.history_features(line_id=line, party_id=party, now=now)
            assert uow.session.features_ahead is None  # taken once
            alone = uow.risk.history_features(line_id=line, party_id=party, now=now)
        assert first == alone
        assert first.spend_counts == (3, 3, 3, 3)
        assert first.spend_sums == (3000, 3000, 3000, 3000)
    finally:
        db.dispose()


def test_a_history_read_ahead_for_another_request_is_not_used(db_url: str) -> None:
    db = make_db(db_url, sandbox=False, now=datetime.now(UTC))
    try:
        party, line = active_line(db)
        authorize(db, line, amount="10.00", purpose="procurement", key="k0")
        with db.transaction() as uow:
            uow.lines.lock_line(line, None, for_spend=True)
            now = db.wall_clock()
            bogus = tuple([99] * 60)
            for stale in (
                ((line, party), now - timedelta(seconds=5), bogus),  # read too long ago
                ((line, "someone-else"), now, bogus),  # another party
                (("another-line", party), now, bogus),  # another line
            ):
                uow.session.features_ahead = stale
                got = uow.risk.history_features(line_id=line, party_id=party, now=now)
                assert got.spend_counts == (1, 1, 1, 1), stale[0]
    finally:
        db.dispose()


def test_no_spend_statement_is_parsed_again(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """psycopg parses each statement text once (its cache skipped texts of more than 50
    parameters: the combined write of every spend was parsed anew)."""
    db = make_db(db_url, sandbox=False, now=datetime.now(UTC))
    try:
        _, line = active_line(db)
        for i in range(3):
            authorize(db, line, amount="1.00", purpose="procurement", key=f"w{i}")
        if db.engine.dialect.name != "postgresql":
            return
        from psycopg import _queries

        parsed: list[bytes] = []
        uncached = _queries._query2pg_nocache

        def counting(query: bytes, encoding: str) -> object:
            parsed.append(query)
            return uncached(query, encoding)

        monkeypatch.setattr(_queries, "_query2pg_nocache", counting)
        for i in range(5):
            authorize(db, line, amount="1.00", purpose="procurement", key=f"k{i}")
        assert parsed == []
    finally:
        db.dispose()


def test_a_batch_reads_each_spends_history_with_its_lock(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a batch the transaction's clock is fixed before the first lock: the history read
    ahead is for that clock, so every spend of a line seen before uses it (PostgreSQL)."""
    from creditline.adapters.db import spend_history_sql as sh
    from creditline.service.quota.batch import authorize_batch

    db = make_db(db_url, sandbox=False, now=datetime.now(UTC))
    try:
        _, line = active_line(db)
        authorize(db, line, amount="1.00", purpose="procurement", key="first")
        alone: list[object] = []
        execute = hp.Cursor.execute

        def counting(self: hp.Cursor, statement: hp.Statement, *args: Any, **kw: Any) -> Any:
            if statement is sh.SPEND_FEATURES:
                alone.append(statement)
            return execute(self, statement, *args, **kw)

        monkeypatch.setattr(hp.Cursor, "execute", counting)
        spends = [
            {"line": line, "amount": "1.00", "purpose": "procurement", "key": f"b{i}"}
            for i in range(5)
        ]
        assert authorize_batch(db, spends).body["authorized"] == 5
        assert len(alone) == (0 if db.engine.dialect.name == "postgresql" else 5)
        with db.transaction() as uow:
            history = uow.risk.history_features(
                line_id=line,
                party_id=uow.lines.read_line(line).state.party_id,
                now=db.wall_clock(),
            )
        assert history.spend_counts == (6, 6, 6, 6)
    finally:
        db.dispose()
