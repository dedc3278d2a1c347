"""Wires adapters to the service layer: the one place that knows which database is used."""

from __future__ import annotations

import os

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.engine import DEFAULT_URL

ENV_DB = "CREDITLINE_DB"


def database_url(explicit: str | None) -> str:
    return explicit or os.environ.get(ENV_DB) or DEFAULT_URL


def open_database(explicit: str | None) -> SqlDatabase:
    return SqlDatabase.from_url(database_url(explicit))
