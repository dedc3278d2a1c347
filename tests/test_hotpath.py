"""The hot-path cursor (issue 18, item 1): writes queued and sent together, on PostgreSQL in
one pipeline with the read or the COMMIT that follows them. A write that must affect a given
number of rows is checked by the server, so a miss never commits the writes beside it. (The
writes sent together are independent: on PostgreSQL they share one statement's snapshot.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.database import SqlDatabase
from creditline.domain.errors import Conflict

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


def test_a_missed_row_count_at_commit_commits_nothing(db: SqlDatabase) -> None:
    def refused() -> None:
        with db.transaction() as uow:
            cur = uow.session.cursor
            cur.write(PROBE, [{"key": "probe-d", "value": "4"}])
            cur.write(TOUCH, [{"key": "no-such-key"}], expect=1)

    with pytest.raises(Conflict, match="UPDATE meta"):
        refused()
    assert _probe(db, "probe-d") is None
    with db.transaction() as uow:  # the connection is usable again
        uow.session.cursor.write(PROBE, [{"key": "probe-d", "value": "5"}])
    assert _probe(db, "probe-d") == "5"


def test_a_missed_row_count_before_a_read_refuses_the_read(db: SqlDatabase) -> None:
    def refused() -> None:
        with db.transaction() as uow:
            cur = uow.session.cursor
            cur.write(PROBE, [{"key": "probe-e", "value": "6"}])
            cur.write(TOUCH, [{"key": "no-such-key"}], expect=1)
            cur.execute(READ, {"key": "probe-e"})
            pytest.fail("the read ran after a refused write")

    with pytest.raises(Conflict, match="UPDATE meta"):
        refused()
    assert _probe(db, "probe-e") is None


def test_postgresql_sends_the_last_writes_with_the_commit(db: SqlDatabase) -> None:
    with db.transaction() as uow:
        cur = uow.session.cursor
        cur.write(PROBE, [{"key": "probe-f", "value": "7"}])
        committed = cur.commit()
        assert committed is (db.engine.dialect.name == "postgresql")
    assert _probe(db, "probe-f") == "7"
