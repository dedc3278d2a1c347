"""A world for the API tests: operators of each role, two merchants with active lines, and a
key for each; ``client`` is FastAPI's TestClient on the app (no server, same code path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from tests.helpers import active_line


@dataclass
class World:
    db: SqlDatabase
    client: TestClient
    keys: dict[str, str]  # who → bearer secret
    key_ids: dict[str, str]
    lines: dict[str, str]  # merchant name → line id
    parties: dict[str, str]

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        out = {} if who is None else {"Authorization": f"Bearer {self.keys[who]}"}
        return out | extra

    def get(self, who: str | None, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(who), **kw)

    def post(self, who: str | None, path: str, json: Any = None, **headers: str) -> Any:
        return self.client.post(path, json=json, headers=self.headers(who, **headers))


def make_world(db: SqlDatabase) -> World:
    keys, key_ids = {}, {}
    creditline.add_operator(db, "root", role="admin", by=None)
    root = creditline.Principal("root", role=creditline.Role.ADMIN)
    for name, role in (("ops", "operations"), ("risk", "risk")):
        creditline.add_operator(db, name, role=role, by=root)
    for name in ("root", "ops", "risk"):
        body = creditline.create_key(db, operator=name).body
        keys[name], key_ids[name] = body["key"], body["id"]
    lines, parties = {}, {}
    for name in ("alice", "bob"):
        party, line = active_line(db, f"{name}-shop")
        lines[name], parties[name] = line, party
        body = creditline.create_key(db, party=party).body
        keys[name], key_ids[name] = body["key"], body["id"]
    client = TestClient(create_app(db, log_requests=False), raise_server_exceptions=True)
    return World(db, client, keys, key_ids, lines, parties)
