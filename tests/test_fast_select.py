"""``FastSelect`` (the reads the pages and the diagnosis ask on every request, compiled once and
run on the driver cursor) gives exactly what SQLAlchemy's own execution gives: the same rows,
the same values of the same types (aware UTC instants, dates, booleans, integers), on both
engines. Every ``FastSelect`` of the repositories is found and checked, so a new one cannot
skip this, and a change in the SQLAlchemy internals it reads shows here."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, select

import creditline
from creditline.adapters.db import repos
from creditline.adapters.db import tables as t
from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.fast_select import FastSelect
from creditline.service.quota import spending
from tests.helpers import active_line


def _all_fast_selects() -> dict[str, FastSelect]:
    """Every FastSelect of the repository modules: the module constants, and each shape of
    the ones built per shape (a cached function of booleans)."""
    found: dict[str, FastSelect] = {}
    for info in pkgutil.iter_modules(repos.__path__):
        module = importlib.import_module(f"{repos.__name__}.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, FastSelect):
                found[f"{info.name}.{name}"] = value
            elif type(value).__name__ == "_lru_cache_wrapper":  # functools.cache
                for shape in _shapes(value):
                    built = value(*shape)
                    if isinstance(built, FastSelect):
                        found[f"{info.name}.{name}{shape}"] = built
    return found


def _shapes(builder: Any) -> list[tuple[bool, ...]]:
    count = builder.__wrapped__.__code__.co_argcount
    return [tuple(bool(b >> i & 1) for i in range(count)) for b in range(2**count)]


def _populated(db: SqlDatabase) -> dict[str, Any]:
    """A line with most of what a line can have, and the parameters to read it back."""
    merchant, line = active_line(db, limit="5000.00")
    for i in range(3):
        hold = spending.authorize(
            db, line, amount=f"{10 + i}.00", purpose="procurement", key=f"s{i}", order=f"o{i}"
        ).body["id"]
        if i < 2:
            spending.capture(db, hold, amount=None, key=f"c{i}")
    creditline.add_freeze(db, line, reason="risk", amount="5.00", note="check", key="f1")
    creditline.submit_appeal(db, line, reason="请恢复", key="a1")
    assessment = creditline.assess_limit(db, merchant).body
    creditline.request_increase(
        db, line, amount="9000.00", reason="more", assessment=assessment, key="r1"
    )
    spending.authorize(db, line, amount="99999.00", purpose="procurement", key="big")
    creditline.set_limit(db, line, limit="6000.00", note="grown", actor="ops", key="l1")
    core = creditline.add_supplier(
        db, merchant, name="布厂", tier="core", account="6222", key="p1"
    ).body["id"]
    creditline.set_split_rule(db, merchant, rule=f"supplier:{core}:70,repayment:30", key="sr1")
    creditline.add_document(
        db, merchant, doc_type="business_licence", submitted="2026-01-05", key="d1"
    )
    creditline.grant_temporary_quota(
        db, line, amount="100.00", days=7, note="sale", actor="ops", key="t1"
    )
    creditline.open_incident(db, lines=[line], title="channel down", actor="ops", key="i1")
    key = creditline.create_key(db, party=merchant).body["id"]
    now = datetime.now(UTC)
    return {
        "line_id": line,
        "party_id": merchant,
        "merchant_id": merchant,
        "key_id": key,
        "limit": 50,
        "status": "submitted",
        "floor": "",
        "first": date(2020, 1, 1),
        "last": date(2100, 1, 1),
        "cutoff": now + timedelta(days=3650),
    }


@pytest.mark.parametrize("name", sorted(_all_fast_selects()))
def test_a_fast_select_reads_what_sqlalchemy_reads(db: SqlDatabase, name: str) -> None:
    fast = _all_fast_selects()[name]
    params = _populated(db)
    with db.transaction(write=False) as uow:
        session = uow.session
        ordinary = [tuple(r) for r in session.conn.execute(fast.statement, params)]
        quick = [tuple(r) for r in session.execute(fast, params)]
        again = [tuple(r) for r in session.execute(fast, params)]  # the compiled form, kept
    assert quick == ordinary
    assert again == ordinary
    for q, o in zip(quick, ordinary, strict=True):
        assert [type(v) for v in q] == [type(v) for v in o]
        for v in q:
            if isinstance(v, datetime):
                assert v.tzinfo is not None


def test_the_populated_line_gives_rows_to_most_of_them(db: SqlDatabase) -> None:
    """The comparison above is not of empty results: most reads find rows of the line."""
    params = _populated(db)
    found: dict[str, bool] = {}  # by statement: any of its shapes found rows
    with db.transaction(write=False) as uow:
        for name, fast in _all_fast_selects().items():
            statement = name.split("(")[0]
            rows = bool(list(uow.session.execute(fast, params)))
            found[statement] = found.get(statement, False) or rows
    empty = [name for name, rows in found.items() if not rows]
    assert len(empty) <= len(found) // 4, empty


def test_a_statement_sqlalchemy_rewrites_at_execution_is_refused(db: SqlDatabase) -> None:
    fast = FastSelect(
        select(t.lines.c.id).where(t.lines.c.id.in_(bindparam("ids", expanding=True)))
    )
    with db.transaction(write=False) as uow, pytest.raises(ValueError, match="post-compiled"):
        uow.session.execute(fast, {"ids": ["a"]})


def test_reads_ahead_give_the_same_rows_in_one_round_trip_on_postgresql(db: SqlDatabase) -> None:
    """``read_line_ahead`` inside ``one_read``: each read of the line that follows answers what
    it answers without it; on PostgreSQL the five reads went to the server together (one
    pipeline) and each later read took its rows from there; on SQLite nothing ran ahead."""
    params = _populated(db)
    line = params["line_id"]

    def sections(snapshot: Any) -> list[Any]:
        return [
            creditline.show_line(snapshot, line).body,
            creditline.list_freezes(snapshot, line).body,
            creditline.line_exposure(snapshot, line).body,
            creditline.temporary_quota(snapshot, line).body,
            creditline.why(snapshot, line, amount="5.00", purpose="procurement").body,
        ]

    with creditline.one_read(db) as snapshot:
        plain = sections(snapshot)
    with creditline.one_read(db) as snapshot:
        creditline.read_line_ahead(snapshot, line)
        with snapshot.transaction(write=False) as uow:
            session = uow.session  # type: ignore[attr-defined]
        ahead = dict(session.ahead)
        read = sections(snapshot)
        ran = [0]
        run = FastSelect.run

        def counted(self: FastSelect, *args: Any) -> Any:
            ran[0] += 1
            return run(self, *args)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(FastSelect, "run", counted)
            taken = [session.execute(_fast_of(k[0]), dict(k[1:])) is r for k, r in ahead.items()]
    assert read == plain
    if db.engine.dialect.name == "sqlite":
        assert ahead == {}
        return
    assert len(ahead) == 5
    assert all(taken)
    assert ran[0] == 0  # taken from the rows read ahead, none read again


def _fast_of(ident: int) -> FastSelect:
    return next(f for f in _all_fast_selects().values() if id(f) == ident)
