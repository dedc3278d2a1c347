"""Creating and upgrading a database: Alembic migrations plus the sandbox flag and clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, insert, inspect, select

from creditline.adapters.db import tables as t

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, *, sandbox: bool, now: datetime) -> dict[str, object]:
    """Apply every migration; on a new database record whether it is a sandbox."""
    config = alembic_config()
    with engine.begin() as conn:
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
    return {
        "sandbox": existing["sandbox"] == "1",
        "revision": revision,
        "tables": sorted(inspect(engine).get_table_names()),
    }
