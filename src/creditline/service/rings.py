"""The ring job (套现团伙识别): build the link graph, score groups, open one case per new ring."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from creditline.domain.errors import InvalidInput
from creditline.domain.rings import Ring, find_rings
from creditline.service.idempotency import Answer
from creditline.service.ids import new_id
from creditline.service.ports import Database, Store

Progress = Callable[[str, int, int], None]


def detect(store: Store, *, since: datetime | None, progress: Progress | None = None) -> list[Ring]:
    """Rings in the history since ``since`` (all of it by default); reads only."""
    now = store.now()
    threshold = store.policy(now).money("large_spend_threshold").minor
    identifiers = [(r.party_id, r.kind, r.value) for r in store.all_identifiers()]
    flows = [*store.spend_flows(since), *store.order_flows(since)]
    step = None if progress is None else (lambda i, n: progress("groups", i, n))
    return find_rings(identifiers, flows, threshold=threshold, progress=step)


def rings(
    db: Database, *, since: datetime | None = None, progress: Progress | None = None
) -> Answer:
    """List rings with members, evidence and score; open a case for each new one."""
    with db.transaction() as store:
        now = store.now()
        if since is not None and since > now:
            raise InvalidInput("since", "since is in the future")
        found = detect(store, since=since, progress=progress)
        opened = 0
        for ring in found:
            known = store.ring_of_members(ring.members)
            ring.new = known is None
            ring.id = known or new_id("ring")
            if ring.new:
                ring.case = new_id("case")
                store.open_case(
                    case_id=ring.case,
                    kind="cashout_ring",
                    party_id=ring.members[0],
                    subject=ring.id,
                    details={
                        "members": ring.members,
                        "pattern": ring.pattern,
                        "score": ring.score,
                        "shared": ring.shared,
                    },
                    now=now,
                )
                opened += 1
                store.emit(
                    "risk.ring_found",
                    {"ring": ring.id, "case": ring.case, "members": ring.members},
                    now,
                )
            else:
                ring.case = store.ring_case(ring.id)
            store.save_ring(
                {
                    "id": ring.id,
                    "members": ring.members,
                    "score": ring.score,
                    "pattern": ring.pattern,
                    "evidence": {"shared": ring.shared, **ring.evidence},
                    "case": ring.case,
                },
                new=ring.new,
                now=now,
            )
        return Answer(
            {
                "at": now.isoformat(),
                "since": since.isoformat() if since else None,
                "rings": [r.to_json() for r in found],
                "count": len(found),
                "cases_opened": opened,
            }
        )
