"""The frozen migrations build exactly the live tables, and upgrade a released database intact.

They also step down and back up to the same schema. Both sides of each comparison are read
back from a real database of the same backend (the live metadata through ``create_all`` on a
spare one), so types, defaults and CHECK texts come out of one reflection and only real
differences remain.
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.sql.naming import conv

from creditline.adapters.db import schema
from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.engine import make_engine
from creditline.adapters.db.tables import metadata
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin, spending
from tests.helpers import START, backend_of, create_schema, drop_schema, make_db, schema_url

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_SCHEMA = "rev0003"  # the schema name inside rev0003.pg.sql (see make_rev0003.py)
ALLOWED_IN_MIGRATIONS = {"__future__", "alembic", "sqlalchemy", *sys.stdlib_module_names}
XIAOWANG = "SELECT l.id FROM lines l JOIN parties p ON p.id = l.party_id WHERE p.name = '小王'"
# Tables a migration may add seed rows to; every other table is history, kept row for row.
REFERENCE_TABLES = {"alembic_version", "meta", "account_kinds", "policy_changes"}
SQLITE_CODE = (
    "SELECT tbl_name, type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"
)
POSTGRES_CODE = """
SELECT c.relname, 'trigger', t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
 WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace
UNION ALL
SELECT viewname, 'view', viewname, definition FROM pg_views WHERE schemaname = current_schema()
UNION ALL
SELECT '-', 'function', proname, pg_get_functiondef(oid) FROM pg_proc
 WHERE pronamespace = current_schema()::regnamespace
"""
_CAST = re.compile(
    r"::(?:character varying|text|bigint|integer|boolean|regclass|date"
    r"|timestamp with time zone)(?:\[\])?"
)


#: ``(table, kind, name) -> description``, e.g. ``("holds", "index", "ix_holds_refunded")``.
Snapshot = dict[tuple[str, str, str], str]


class Difference(NamedTuple):
    table: str
    kind: str
    name: str
    migrations: str | None
    expected: str | None
    source: str  # where ``expected`` comes from

    def __str__(self) -> str:
        what = f"{self.table}: {self.kind}" + ("" if self.kind == "table" else f" {self.name}")
        if self.migrations is None:
            return f"{what} is missing from the migrations ({self.source}: {self.expected})"
        if self.expected is None:
            return f"{what} is in the migrations only ({self.migrations})"
        return f"{what} differs: migrations {self.migrations} | {self.source} {self.expected}"


def normalise(sql: str) -> str:
    """SQL compared up to case, spacing, parentheses and casts: PostgreSQL rewrites a CHECK's
    text on every dump and restore, SQLite keeps it as typed."""
    sql = _CAST.sub("", sql.lower())
    sql = re.sub(r"nextval\('[\w.]+'\)", "nextval", sql)
    sql = re.sub(r"\s+", " ", sql.replace("(", " ").replace(")", " "))
    return re.sub(r" ?([\[\],]) ?", r"\1", sql).strip()


def snapshot(engine: sa.Engine, *, with_code: bool = False) -> Snapshot:
    """Every table, column, key, index and CHECK as ``(table, kind, name) -> description``;
    ``with_code`` adds triggers, views and functions, which the metadata does not declare."""
    insp = sa.inspect(engine)
    out: Snapshot = {}
    for table in set(insp.get_table_names()) - {"alembic_version"}:
        out[table, "table", table] = "present"
        for c in insp.get_columns(table):
            default = f" DEFAULT {normalise(c['default'])}" if c["default"] is not None else ""
            null = "NULL" if c["nullable"] else "NOT NULL"
            out[table, "column", c["name"]] = f"{c['type'].compile(engine.dialect)} {null}{default}"
        pk = insp.get_pk_constraint(table)
        out[table, "primary key", pk["name"] or ""] = _cols(pk["constrained_columns"])
        for ix in insp.get_indexes(table):
            opts = ix.get("dialect_options", {})
            where = [f" WHERE {normalise(str(v))}" for k, v in opts.items() if k.endswith("_where")]
            unique = "UNIQUE " if ix["unique"] else ""
            out[table, "index", str(ix["name"])] = (
                unique + _cols(ix["column_names"]) + "".join(where)
            )
        for fk in insp.get_foreign_keys(table):
            target = f"{fk['referred_table']}{_cols(fk['referred_columns'])}"
            out[table, "foreign key", str(fk["name"])] = (
                f"{_cols(fk['constrained_columns'])} -> {target}"
            )
        for ck in insp.get_check_constraints(table):
            out[table, "check", str(ck["name"])] = normalise(ck["sqltext"])
    if with_code:
        out |= _code(engine)
    return out


def _cols(columns: list[str | None] | list[str]) -> str:
    return f"({', '.join(str(c) for c in columns)})"


def _code(engine: sa.Engine) -> Snapshot:
    sql = SQLITE_CODE if engine.dialect.name == "sqlite" else POSTGRES_CODE
    with engine.connect() as conn:
        here = "" if engine.dialect.name == "sqlite" else f"{conn.dialect.default_schema_name}."
        rows = conn.execute(sa.text(sql)).all()
    return {(t, k, n): normalise(d.replace(here, "") if here else d) for t, k, n, d in rows}


def differences(
    migrated: Snapshot, expected: Snapshot, source: str = "live tables"
) -> list[Difference]:
    """What differs; a table missing on one side is one difference, not one per column."""
    out = []
    for table, kind, name in sorted(migrated.keys() | expected.keys()):
        whole = (table, "table", table)
        if kind != "table" and (whole not in migrated or whole not in expected):
            continue
        a, b = migrated.get((table, kind, name)), expected.get((table, kind, name))
        if a != b:
            out.append(Difference(table, kind, name, a, b, source))
    return out


@pytest.fixture
def spare_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second empty database on the backend of ``db_url``."""
    if backend_of(db_url) == "sqlite":
        yield f"sqlite:///{tmp_path / 'spare.db'}"
        return
    server = str(request.getfixturevalue("postgres_server"))
    name = create_schema(server)
    yield schema_url(server, name)
    drop_schema(server, name)


def live_tables(url: str, tables: sa.MetaData = metadata) -> Snapshot:
    engine = make_engine(url)
    try:
        tables.create_all(engine)
        return snapshot(engine)
    finally:
        engine.dispose()


def migrated(url: str) -> Snapshot:
    db = make_db(url)
    try:
        return snapshot(db.engine)
    finally:
        db.dispose()


def test_the_migrations_build_exactly_the_live_tables(db_url: str, spare_url: str) -> None:
    found = differences(migrated(db_url), live_tables(spare_url))
    assert not found, "\n".join(map(str, found))


def test_the_comparison_catches_a_missing_column_a_missing_index_and_a_renamed_check(
    db_url: str, spare_url: str
) -> None:
    scratch = sa.MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(scratch)
    lines = scratch.tables["lines"]
    lines.append_column(sa.Column("scratch_rating", sa.String(8)))
    sa.Index("ix_lines_scratch", lines.c.status)
    check = next(c for c in lines.constraints if c.name == "ck_lines_status")
    check.name = conv("ck_lines_scratch")
    found = differences(migrated(db_url), live_tables(spare_url, scratch))
    assert [(d.table, d.kind, d.name, d.migrations is None) for d in found] == [
        ("lines", "check", "ck_lines_scratch", True),
        ("lines", "check", "ck_lines_status", False),
        ("lines", "column", "scratch_rating", True),
        ("lines", "index", "ix_lines_scratch", True),
    ], "\n".join(map(str, found))
    assert str(found[2]) == (
        "lines: column scratch_rating is missing from the migrations (live tables: VARCHAR(8) NULL)"
    )


def _alembic(engine: sa.Engine, step: str, revision: str) -> None:
    config = schema.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, step)(config, revision)


def test_each_migration_downgrades_and_upgrades_back_to_the_same_schema(
    db_url: str, spare_url: str
) -> None:
    fresh, cycled = make_engine(spare_url), make_engine(db_url)
    try:
        _alembic(fresh, "upgrade", "head")
        _alembic(cycled, "upgrade", "head")
        script = ScriptDirectory.from_config(schema.alembic_config())
        for revision in script.walk_revisions():  # from head down to the first
            _alembic(cycled, "downgrade", str(revision.down_revision or "base"))
            _alembic(cycled, "upgrade", "head")
            found = differences(snapshot(cycled, with_code=True), snapshot(fresh, with_code=True))
            assert not found, f"down from {revision.revision}:\n" + "\n".join(map(str, found))
    finally:
        fresh.dispose()
        cycled.dispose()


def imports_outside(source: str, allowed: set[str]) -> list[str]:
    """The modules ``source`` imports whose top-level package is not in ``allowed``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] not in allowed]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if node.level or module.split(".")[0] not in allowed:
                found.append(module)
    return found


def test_no_migration_imports_creditline_only_sqlalchemy_alembic_and_the_standard_library() -> None:
    files = sorted(schema.MIGRATIONS.rglob("*.py"))
    assert len(files) >= 5  # env.py and the three revisions at least
    found = {f.name: imports_outside(f.read_text("utf-8"), ALLOWED_IN_MIGRATIONS) for f in files}
    assert {name: bad for name, bad in found.items() if bad} == {}
    sneaky = "import sqlalchemy as sa\nfrom creditline.adapters.db.types import UtcDateTime\n"
    assert imports_outside(sneaky, ALLOWED_IN_MIGRATIONS) == ["creditline.adapters.db.types"]
    assert imports_outside("from . import frozen", ALLOWED_IN_MIGRATIONS) == ["."]


# -- a database the released code (99c8a1f, revision 0003) filled --------------------------------
def restore(url: str) -> None:
    """Put the fixture into the empty database at ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        shutil.copyfile(FIXTURES / "rev0003.sqlite", parsed.database or "")
        return
    # A schema of the server's database, or the public schema of a database of its own.
    schema_name = str(parsed.query.get("options", "public")).removeprefix("-csearch_path=")
    dump = (FIXTURES / "rev0003.pg.sql").read_text("utf-8")
    # psql meta-commands (\restrict) are not SQL; the schema exists already.
    sql = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
    sql = re.sub(rf"\b{FIXTURE_SCHEMA}\.", f"{schema_name}.", sql)
    sql = sql.replace(f"CREATE SCHEMA {FIXTURE_SCHEMA};", "")
    server = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def released_url(db_url: str) -> str:
    """``db_url`` holding the story the released code told (tests/fixtures/README.md)."""
    restore(db_url)
    return db_url


def _revision(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one())


def test_the_frozen_migrations_rebuild_what_the_released_code_built(
    released_url: str, spare_url: str
) -> None:
    released = make_engine(released_url)
    fresh = make_engine(spare_url)
    try:
        _alembic(fresh, "upgrade", _revision(released))
        built, released_schema = snapshot(fresh, with_code=True), snapshot(released, with_code=True)
        found = differences(built, released_schema, "the released database")
        assert not found, "\n".join(map(str, found))
        with fresh.connect() as a, released.connect() as b:
            for table in ("account_kinds", "policy_changes"):
                seeded = a.execute(sa.text(f"SELECT * FROM {table}")).all()
                assert set(seeded) <= set(b.execute(sa.text(f"SELECT * FROM {table}")).all())
    finally:
        released.dispose()
        fresh.dispose()


def _counts(engine: sa.Engine, tables: set[str]) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}


def test_a_database_the_released_code_filled_upgrades_to_head_and_xiaowang_can_spend(
    released_url: str, spare_url: str
) -> None:
    db = SqlDatabase.from_url(released_url)
    try:
        history = set(sa.inspect(db.engine).get_table_names()) - REFERENCE_TABLES
        before, counts = _revision(db.engine), _counts(db.engine, history)
        head = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
        done = schema.upgrade(db.engine, sandbox=True, now=START)
        assert (before, done["revision"]) == ("0003", head)
        assert _counts(db.engine, history) == counts
        assert min(counts.values()) > 0  # the story left history in every table
        found = differences(snapshot(db.engine), live_tables(spare_url))
        assert not found, "\n".join(map(str, found))
        report = verify_ledger(db)
        assert report.ok, report.problems
        assert report.lines == counts["lines"]
        with db.engine.connect() as conn:
            line_id = conn.execute(sa.text(XIAOWANG)).scalar_one()
        shown = line_admin.show_line(db, line_id).body
        assert (shown["status"], shown["available"]) == ("active", "100000.00")
        spent = spending.authorize(db, line_id, amount="2000.00", purpose="procurement", key="u1")
        assert not spent.refused, spent.body
        assert spent.body["status"] == "authorized"
        assert line_admin.show_line(db, line_id).body["available"] == "98000.00"
        assert verify_ledger(db).ok
    finally:
        db.dispose()
