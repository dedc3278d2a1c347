"""The periodic review job (额度复审) over 10,000 lines: lines per second, beside the same work
done with the bare driver.

For each backend (SQLite file in WAL mode, PostgreSQL) it builds two identical databases of
``--lines`` active merchant lines by bulk insert (SQLAlchemy Core ``executemany`` on the
adapters' tables: parties, lines, documents, orders), then:
- ours: ``creditline.service.credit.reviews.review_limits`` over every line, one transaction
  per line (lock the line, read its limit changes and its review facts, decide by the policy,
  and for a changed line post the reduction to the hash-chained ledger, record the limit
  change, sign the book's head, emit ``limit.changed`` and ``limit.reviewed``; record every
  outcome);
- raw: one loop on the driver doing the same reads (the line under its lock, the same facts
  statement, the documents, the latest limit change) and the same writes (the line row, a
  ledger transfer with its hash, the limit change, two events, a checkpoint row, the outcome)
  with the decision hard-coded from the fixture, one durable commit per line, with the project's
  durability settings (SQLite WAL + synchronous=FULL + BEGIN IMMEDIATE; PostgreSQL
  synchronous_commit=on).
A quarter of the lines have a licence over a year old (halved: ``documents_stale``), one in
twenty is an apparel merchant with 20% returns (``return_rate_high``), the rest change nothing.
It prints lines/s, the raw loop's lines/s and the ratio ours/raw. (The module is over 400 lines
because the raw loop writes out every statement the use case makes.)

    python bench/reviews.py [--lines 10000] [--backends sqlite,postgresql] [--pg-url URL]
                            [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
#: The fixture's dates are relative to now: the review runs on the wall clock, as in production.
NOW = datetime.now(UTC)
TODAY = NOW.date()
LIMIT = 10_000_000  # 100,000.00 CNY
CHUNK = 2000
err = Console(stderr=True)


# -- the fixture -----------------------------------------------------------------------------
def kind_of(i: int) -> str:
    if i % 4 == 0:
        return "stale"
    if i % 20 == 1:
        return "returns"
    return "fine"


def build(url: str, count: int) -> None:
    """``count`` active merchant lines, by bulk insert through the adapters' tables."""
    from sqlalchemy import insert

    from creditline.adapters.db import tables as t
    from creditline.adapters.db.database import SqlDatabase
    from creditline.adapters.db.schema import upgrade
    from creditline.domain.ledger import GENESIS_HASH

    db = SqlDatabase.from_url(url)
    upgrade(db.engine, sandbox=False, now=NOW)
    opened = NOW - timedelta(days=40)
    with db.engine.begin() as conn:
        for start in range(0, count, CHUNK):
            rows = range(start, min(start + CHUNK, count))
            conn.execute(
                insert(t.parties),
                [
                    {
                        "id": f"mer_{i:016x}",
                        "kind": "merchant",
                        "name": f"bench-{i}",
                        "category": "apparel" if kind_of(i) == "returns" else "digital",
                        "real_name_verified": True,
                        "qualification_passed": True,
                        "settlement_account": "6222",
                        "created_at": opened,
                    }
                    for i in rows
                ],
            )
            conn.execute(
                insert(t.lines),
                [
                    {
                        "id": f"line_{i:016x}",
                        "party_id": f"mer_{i:016x}",
                        "product": "merchant_bnpl",
                        "currency": "CNY",
                        "status": "active",
                        "limit_minor": LIMIT,
                        "available": LIMIT,
                        "head_hash": GENESIS_HASH,
                        "created_at": opened,
                        "updated_at": opened,
                    }
                    for i in rows
                ],
            )
            conn.execute(
                insert(t.documents),
                [
                    {
                        "party_id": f"mer_{i:016x}",
                        "id": f"doc_{i:016x}",
                        "type": "business_licence",
                        "submitted_on": TODAY
                        - timedelta(days=500 if kind_of(i) == "stale" else 60),
                        "expires_on": TODAY + timedelta(days=1000),
                        "created_at": opened,
                    }
                    for i in rows
                ],
            )
            orders = [
                {
                    "id": f"TB{i:08d}{n:02d}",
                    "merchant_id": f"mer_{i:016x}",
                    "amount": 10_000,
                    "currency": "CNY",
                    "returned": 10_000 if n < 2 else 0,
                    "state": "returned" if n < 2 else "paid",
                    "created_at": NOW - timedelta(days=10),
                }
                for i in rows
                if kind_of(i) == "returns"
                for n in range(10)
            ]
            if orders:
                conn.execute(insert(t.orders), orders)
    db.dispose()


# -- ours --------------------------------------------------------------------------------------
def ours(url: str) -> tuple[float, dict[str, Any]]:
    from creditline.adapters.db.database import SqlDatabase
    from creditline.service.credit.reviews import review_limits

    db = SqlDatabase.from_url(url)
    try:
        with db.transaction(write=False) as uow:  # warm the connection and the policy cache
            uow.reference.policy(uow.reference.now())
        started = time.perf_counter()
        body = review_limits(db, actor="bench").body
        return time.perf_counter() - started, body
    finally:
        db.dispose()


# -- raw ---------------------------------------------------------------------------------------
class _Sqlite:
    """sqlite3 in autocommit mode with explicit BEGIN IMMEDIATE, as the project runs it."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=60)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def q(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(sql, params)

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def time(self, value: datetime) -> Any:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")

    def close(self) -> None:
        self.conn.close()


class _Postgres:
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url)

    def begin(self) -> None:
        pass  # psycopg opens the transaction with the first statement

    def q(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(_pg(sql), params)

    def commit(self) -> None:
        self.conn.commit()

    def time(self, value: datetime) -> Any:
        return value

    def close(self) -> None:
        self.conn.close()


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


CHANGES = "SELECT kind, detail FROM limit_changes WHERE line_id = ? ORDER BY n DESC LIMIT 8"
#: What the raw loop writes as text: a reason, the facts and an event, as long as ours.
REASON = {
    "code": "documents_stale",
    "zh": "营业执照提交于2023-01-05，已超过365天（材料须在365天内且未过期），"
    "额度减少50%，直到重新提交",
    "en": "the business licence was submitted on 2023-01-05, over 365 days ago (documents must be "
    "under 365 days old and unexpired): the limit is cut by 50% until they are resubmitted",
    "restore_zh": "重新提交有效的营业执照，提交后额度立即自动恢复",
    "restore_en": "resubmit a current business licence: the limit is restored as soon as it is on "
    "file",
    "target_limit": "50000.00",
    "facts": {"documents": [{"type": "business_licence", "id": "doc_0000000000000000"}]},
}
FACTS_TEXT = {
    "product": "merchant_bnpl",
    "party_kind": "merchant",
    "category": "digital",
    "limit_now": "100000.00",
    "base_limit": "100000.00",
    "temporary_limit": "0.00",
    "used": "0.00",
    "return_rate_pct": None,
    "documents": [
        {"type": "business_licence", "submitted_on": "2023-01-05", "expires_on": "2029-01-01"}
    ],
    "days_since_spend": 40,
    "last_spend_at": None,
    "overdue": 0,
    "credit_score": None,
    "income": None,
    "score_baseline": None,
    "income_baseline": None,
    "good_months": 1,
}


def raw(target: str, backend: str) -> float:
    from creditline.adapters.db.repos.review_sql import DOCUMENTS, FACTS

    c: Any = _Sqlite(target) if backend == "sqlite" else _Postgres(target)
    facts_sql, docs_sql = FACTS.text(c.dialect), DOCUMENTS.text(c.dialect)
    lock = "SELECT limit_minor, available, seq, head_hash, party_id FROM lines WHERE id = ?" + (
        " FOR UPDATE" if backend == "postgresql" else ""
    )
    ids = [r[0] for r in c.q("SELECT id FROM lines ORDER BY created_at, id").fetchall()]
    c.commit()
    now = c.time(datetime.now(UTC))
    started = time.perf_counter()
    for n, line_id in enumerate(ids):
        c.begin()
        limit, available, seq, head, party = c.q(lock, (line_id,)).fetchone()
        c.q(CHANGES, (line_id,)).fetchall()
        params = {
            "line_id": line_id,
            "party_id": party,
            "since": c.time(NOW - timedelta(days=90)),
            "overdue": c.time(NOW - timedelta(days=30)),
        }
        facts = c.conn.execute(facts_sql, params).fetchone()
        c.conn.execute(docs_sql, {"party_id": party}).fetchall()
        kind = kind_of(int(line_id[5:], 16))
        target = {"stale": limit // 2, "returns": limit * 7 // 10}.get(kind, limit)
        outcome_facts = json.dumps(
            {**FACTS_TEXT, "orders": facts[4], "returns": facts[5]}, ensure_ascii=False
        )
        change, reasons = None, "[]"
        if target != limit:
            reasons = json.dumps([REASON], ensure_ascii=False)
            event = json.dumps(
                {"line": line_id, "from_limit": limit, "to_limit": target, "reasons": [REASON]},
                ensure_ascii=False,
            )
            change = f"lim_{line_id[5:]}{n:012x}"
            cut = limit - target
            new_hash = hashlib.sha256(f"{head}{change}{cut}".encode()).hexdigest()
            c.q(
                "UPDATE lines SET limit_minor = ?, available = ?, limit_target = ?, seq = ?, "
                "head_hash = ?, updated_at = ? WHERE id = ? AND seq = ?",
                (target, available - cut, target, seq + 1, new_hash, now, line_id, seq),
            )
            c.q(
                "INSERT INTO ledger_transfers (line_id, seq, tenant_id, movement_id, movement, "
                "debit_account, credit_account, amount, currency, ref, created_at, prev_hash, "
                "hash) VALUES (?, ?, 'default', ?, 'reduce', 'available', 'platform_limit', ?, "
                "'CNY', ?, ?, ?, ?)",
                (line_id, seq + 1, change, cut, change, now, head, new_hash),
            )
            c.q(
                "INSERT INTO limit_changes (line_id, id, tenant_id, n, kind, previous, target, "
                "currency, actor, source, note, reasons, restore_zh, restore_en, detail, "
                "created_at) SELECT ?, ?, 'default', count(*) + 1, 'review', ?, ?, 'CNY', "
                "'bench', 'rvw_raw', '', ?, '', '', ?, ? FROM limit_changes WHERE line_id = ?",
                (line_id, change, limit, target, reasons, '{"base": "100000.00"}', now, line_id),
            )
            for kind_of_event in ("limit.changed", "limit.reviewed"):
                c.q(
                    "INSERT INTO events (type, line_id, party_id, payload, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (kind_of_event, line_id, party, event, now),
                )
            c.q(
                "INSERT INTO ledger_checkpoints (book_id, book, seq, head_hash, signed_at, "
                "key_fingerprint, signature) VALUES (?, 'line', ?, ?, ?, ?, ?)",
                (line_id, seq + 1, new_hash, now, "0" * 32, "0" * 88),
            )
        c.q(
            "INSERT INTO review_outcomes (line_id, n, id, tenant_id, party_id, review_id, "
            "decision, from_limit, to_limit, base_limit, pending, currency, reasons, facts, "
            "change_id, policy_version, created_at) SELECT ?, coalesce(max(n), 0) + 1, ?, "
            "'default', ?, 'rvw_raw', ?, ?, ?, ?, 0, 'CNY', ?, ?, ?, 'v1', ? "
            "FROM review_outcomes WHERE line_id = ?",
            (
                line_id,
                f"rvo_{line_id[5:]}{n:012x}",
                party,
                "lowered" if change else "unchanged",
                limit,
                target,
                limit,
                reasons,
                outcome_facts,
                change,
                now,
                line_id,
            ),
        )
        c.commit()
    elapsed = time.perf_counter() - started
    c.close()
    return elapsed


# -- one backend -------------------------------------------------------------------------------
def measure(backend: str, count: int, pg_url: str, tmp: Path) -> dict[str, Any]:
    schemas: list[str] = []
    if backend == "sqlite":
        ours_url = f"sqlite:///{tmp / 'ours.db'}"
        raw_url, raw_target = f"sqlite:///{tmp / 'raw.db'}", str(tmp / "raw.db")
    else:
        schemas = [f"bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
        with psycopg.connect(pg_url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"CREATE SCHEMA {schema}")
        ours_url, raw_url = (_with_schema(pg_url, s) for s in schemas)
        raw_target = raw_url
    try:
        err.print(f"[dim]{backend}: building 2 × {count} lines…[/dim]")
        began = time.perf_counter()
        build(ours_url, count)
        build(raw_url, count)
        built = time.perf_counter() - began
        err.print(f"[dim]{backend}: reviewing (ours)…[/dim]")
        ours_s, body = ours(ours_url)
        err.print(f"[dim]{backend}: reviewing (raw driver)…[/dim]")
        raw_s = raw(raw_target.replace("postgresql+psycopg", "postgresql"), backend)
    finally:
        if schemas:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                for schema in schemas:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    if body["reviewed"] != count:
        raise SystemExit(f"{backend}: reviewed {body['reviewed']} of {count} lines")
    return {
        "backend": backend,
        "lines": count,
        "lowered": body["lowered"],
        "build_s": round(built, 1),
        "seconds": round(ours_s, 2),
        "lines_per_s": round(count / ours_s, 1),
        "raw_lines_per_s": round(count / raw_s, 1),
        "ratio": round(raw_s / ours_s, 3),
    }


def _with_schema(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CREDITLINE_TEST_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="creditline-bench-") as tmp:
            rows.append(measure(backend, args.lines, args.pg_url, Path(tmp)))
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(
        title="the review job (额度复审): lines per second, creditline vs the bare driver",
        title_justify="left",
    )
    columns = ("backend", "lines", "lowered", "seconds", "lines_per_s", "raw_lines_per_s", "ratio")
    heads = ("backend", "lines", "lowered", "s", "lines/s", "raw lines/s", "ratio")
    for head in heads:
        table.add_column(head, justify="left" if head == "backend" else "right")
    for r in rows:
        table.add_row(*(str(r[c]) for c in columns))
    Console().print(table)


if __name__ == "__main__":
    main()
