"""Creating and upgrading a database: Alembic migrations, the sandbox flag and clock, and the
ledger's signing key."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, insert, inspect, select

from creditline.adapters.db import tables as t
from creditline.adapters.db.hotpath import LINE_COLUMNS
from creditline.adapters.db.repos.checkpoints_sql import record_key, sign_unsigned_heads
from creditline.adapters.ledger_keys import ensure_signing_key
from creditline.domain.ledger import LINE_BOOK, Account, Balances, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.workdays import local_date

MIGRATIONS = Path(__file__).parent / "migrations"
#: The revision that adds the ledger's checkpoints: a database older than it has unsigned heads.
CHECKPOINTS_REVISION = "0005"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, *, sandbox: bool, now: datetime) -> dict[str, object]:
    """Apply every migration; on a new database record whether it is a sandbox. Then make
    sure there is a key to sign the ledger's checkpoints (a key file is created if none is
    found, see ``adapters.ledger_keys``), record its public half, and, on the upgrade that
    adds checkpoints, sign the heads of the books the database already had."""
    config = alembic_config()
    with engine.begin() as conn:
        before = _revision(conn)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    with engine.begin() as conn:
        existing = {str(k): str(v) for k, v in conn.execute(select(t.meta.c.key, t.meta.c.value))}
        if "sandbox" not in existing:
            conn.execute(
                insert(t.meta),
                [
                    {"key": "sandbox", "value": "1" if sandbox else "0"},
                    {"key": "clock_now", "value": now.isoformat()},
                ],
            )
            existing = {"sandbox": "1" if sandbox else "0"}
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        loaded = ensure_signing_key(sandbox=existing["sandbox"] == "1")
        record_key(conn, loaded.key.public, now)
        adopted = 0
        if before is not None and before < CHECKPOINTS_REVISION:
            adopted = sign_unsigned_heads(conn, loaded.key, now)
        if before is not None and before < DAY_ENDS_REVISION:
            fill_day_ends(conn)
    return {
        "sandbox": existing["sandbox"] == "1",
        "revision": revision,
        "tables": sorted(inspect(engine).get_table_names()),
        "ledger_key": loaded.key.public.fingerprint,
        "ledger_public_key": loaded.key.public.text,
        "ledger_key_file": loaded.source,
        "ledger_key_created": loaded.created,
        "heads_signed_on_upgrade": adopted,
    }


#: The revision that adds each line's day-end balances: older lines' rows are replayed once.
DAY_ENDS_REVISION = "0017"


def fill_day_ends(conn: Connection) -> int:
    """Write ``line_day_ends`` for every line that moved before the table existed, replaying
    each line's ledger once (the running aggregate is kept by the postings from then on)."""
    tr = t.ledger_transfers.c
    rows: dict[tuple[str, date], dict[str, object]] = {}
    running: dict[str, Balances] = {}
    query = select(t.ledger_transfers).order_by(tr.line_id, tr.seq)
    for r in conn.execute(query):
        empty = Balances.empty(LINE_BOOK, r.currency)
        before = running.get(r.line_id, empty)
        transfer = Transfer(
            Account(r.debit_account),
            Account(r.credit_account),
            Money(r.amount, r.currency),
            Movement(r.movement),
            r.ref,
        )
        after = running[r.line_id] = before.apply([transfer])
        day = local_date(r.created_at)
        row: dict[str, object] = dict(
            zip(LINE_COLUMNS, (m.minor for m in after.amounts), strict=True)
        )
        rows[r.line_id, day] = {"line_id": r.line_id, "day": day, "seq": r.seq, **row}
    if rows:
        conn.execute(insert(t.line_day_ends), list(rows.values()))
    return len(rows)


def _revision(conn: Connection) -> str | None:
    """The database's Alembic revision, None for a new database."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if found is None else str(found)
