"""A killed test run leaves its databases behind on a shared server; the next run drops those
older than ``pg_copies.STALE_AFTER`` that nobody uses, and nothing else."""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest
from psycopg import sql

from tests.pg_copies import STALE_AFTER, database_url, sweep_stale

pytestmark = pytest.mark.postgres


def _names(server: str) -> set[str]:
    with psycopg.connect(server, autocommit=True) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database").fetchall()}


def test_only_old_idle_test_databases_are_swept(postgres_server: str) -> None:
    now = int(time.time())
    old = now - STALE_AFTER - 60
    made = {
        "old": f"t_{old}_{uuid.uuid4().hex[:12]}",
        "old_template": f"creditline_template_{old}_{uuid.uuid4().hex[:12]}",
        "old_in_use": f"t_{old}_{uuid.uuid4().hex[:12]}",
        "young": f"t_{now}_{uuid.uuid4().hex[:12]}",
        "not_ours": f"app_{old}_{uuid.uuid4().hex[:12]}",
    }
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        for name in made.values():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(database_url(postgres_server, made["old_in_use"])):
            dropped = sweep_stale(postgres_server, now=now)
        left = _names(postgres_server)
        assert {made["old"], made["old_template"]} <= set(dropped)
        assert not {made["old"], made["old_template"]} & left
        assert {made["old_in_use"], made["young"], made["not_ours"]} <= left
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            for name in made.values():
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
