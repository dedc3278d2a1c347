"""Group commit in the server (issue 18): concurrent single authorisations share one commit,
and each caller gets its own answer, exactly a single call's, only once it is durable."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from creditline import verify_ledger
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from tests.api_helpers import make_world


def test_concurrent_authorisations_share_commits_and_keep_their_answers(
    db: SqlDatabase, db_url: str
) -> None:
    w = make_world(db)
    app = create_app(db, log_requests=False, group_commit_ms=20)
    client = TestClient(app)
    line = w.lines["alice"]
    observer = SqlDatabase.from_url(db_url)  # another connection: sees only what is committed
    answers: dict[str, Any] = {}
    seen_committed: list[bool] = []
    lock = threading.Lock()

    def spend(i: int) -> None:
        key = f"g{i}"
        r = client.post(
            f"/v1/lines/{line}/authorizations",
            json={"amount": 100 + i, "purpose": "procurement"},
            headers={"Authorization": f"Bearer {w.keys['ops']}", "Idempotency-Key": key},
        )
        with observer.transaction(write=False) as uow:
            held = {h.id for h in uow.holds.holds_of(line)}
        with lock:
            answers[key] = (r.status_code, r.json())
            seen_committed.append(r.json().get("id") in held)

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    group = app.state.api.group
    assert [a for a in answers.values() if a[0] != 200] == []
    assert group.spends == 24
    assert group.groups < 24  # coalesced
    assert all(status == 200 for status, _ in answers.values())
    assert all(seen_committed)  # every answer came after its commit
    ids = [body["id"] for _, body in answers.values()]
    assert len(set(ids)) == 24, sorted((b["id"], k, b["amount"]) for k, (_, b) in answers.items())
    assert sorted(body["amount"] for _, body in answers.values()) == list(range(100, 124))
    # a replay (through the group) gives the first answer; bad input is the single call's error
    again = client.post(
        f"/v1/lines/{line}/authorizations",
        json={"amount": 100, "purpose": "procurement"},
        headers={"Authorization": f"Bearer {w.keys['ops']}", "Idempotency-Key": "g0"},
    )
    assert again.json() == answers["g0"][1]
    bad = client.post(
        f"/v1/lines/{line}/authorizations",
        json={"amount": 100, "purpose": "nothing"},
        headers={"Authorization": f"Bearer {w.keys['ops']}", "Idempotency-Key": "bad"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "purpose"
    declined = client.post(
        f"/v1/lines/{line}/authorizations",
        json={"amount": 100, "purpose": "transfer_bank"},
        headers={"Authorization": f"Bearer {w.keys['ops']}", "Idempotency-Key": "tb"},
    )
    assert declined.status_code == 402
    observer.dispose()
    assert verify_ledger(db).ok
