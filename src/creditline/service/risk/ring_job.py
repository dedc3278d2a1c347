"""The ring job (套现团伙识别): build the link graph, score groups, open one case per new ring."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.rings import Ring, find_rings
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer
from creditline.service.ids import new_id
from creditline.service.uow import Database, UnitOfWork

Progress = Callable[[str, int, int], None]


def detect(
    uow: UnitOfWork, *, since: datetime | None, progress: Progress | None = None
) -> list[Ring]:
    """Rings in the history since ``since`` (all of it by default); reads only."""
    now = uow.reference.now()
    policy = uow.reference.policy(now)
    threshold = policy.money("large_spend_threshold").minor
    horizon = timedelta(days=policy.integer("ring_horizon_days"))
    identifiers = [(r.party_id, r.kind, r.value) for r in uow.risk.all_identifiers()]
    flows = [*uow.rings.spend_flows(since), *uow.rings.order_flows(since)]
    step = None if progress is None else (lambda i, n: progress("groups", i, n))
    return find_rings(identifiers, flows, threshold=threshold, horizon=horizon, progress=step)


def rings(
    db: Database, *, since: datetime | None = None, progress: Progress | None = None
) -> Answer:
    """List rings with members, evidence and score; open a case for each new one."""
    with db.transaction() as uow:
        now = uow.reference.now()
        if since is not None and since > now:
            raise InvalidInput("since", "since is in the future")
        found = detect(uow, since=since, progress=progress)
        opened = 0
        for ring in found:
            known = uow.rings.ring_of_members(ring.members)
            ring.new = known is None
            ring.id = known or new_id("ring")
            if ring.new:
                ring.case = new_id("case")
                uow.payouts.open_case(
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
                uow.events.emit(
                    "risk.ring_found",
                    {"ring": ring.id, "case": ring.case, "members": ring.members},
                    now,
                )
            else:
                ring.case = uow.rings.ring_case(ring.id)
            uow.rings.save_ring(
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
                "at": iso_local(now),
                "since": iso_local(since) if since else None,
                "rings": [r.to_json() for r in found],
                "count": len(found),
                "cases_opened": opened,
            }
        )
