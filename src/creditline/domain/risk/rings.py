"""Cash-out rings (套现团伙): parties linked by shared identifiers that also move money around.

A link graph (``networkx``) joins parties that share a device, phone, bank account or address;
an identifier shared by very many parties (a shop-floor Wi-Fi, a mall's address) is a hub, not
a link. Each connected group is then scored on the money it moved (HACUD-style: attributes and
flows together): spends between members, money that came back within days, quick refunds of
orders between members, spends split just under the large-spend threshold, repeated
forbidden-purpose attempts. Only groups with such evidence are rings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from creditline.domain.money import Money
from creditline.domain.quota.purposes import FORBIDDEN_PURPOSES
from creditline.domain.risk.features import near_floor

MAX_SHARED = 12  # an identifier shared by more parties than this is a hub
MONEY_BACK_DAYS = 7
SPLIT_PER_DAY = 3
FORBIDDEN_PER_MEMBER = 2
RING_SCORE = 50

_FORBIDDEN = {p.value for p in FORBIDDEN_PURPOSES}


@dataclass(frozen=True, slots=True)
class Flow:
    """A spend (holder → counterparty) or an order (buyer → merchant, ``other`` is the buyer)."""

    kind: str
    party: str
    other: str | None
    amount: int  # minor units (fen); evidence gives it as money, like every answer
    at: datetime
    ref: str
    purpose: str = ""
    status: str = ""
    refunded: int = 0


@dataclass(slots=True)
class Ring:
    members: list[str]
    shared: list[dict[str, Any]]
    evidence: dict[str, Any]
    score: int
    pattern: str
    id: str = ""
    case: str = ""
    new: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "members": self.members,
            "score": self.score,
            "pattern": self.pattern,
            "shared": self.shared,
            "evidence": self.evidence,
            "case": self.case,
            "new": self.new,
        }


def link_graph(identifiers: Iterable[tuple[str, str, str]]) -> Any:
    """Parties as nodes; an edge for each identifier two parties share (hubs left out)."""
    import networkx as nx  # noqa: PLC0415 - imported on first use (start-up time)

    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for party, kind, value in identifiers:
        holders[(kind, value)].add(party)
    g = nx.Graph()
    for (kind, value), parties in holders.items():
        if len(parties) < 2 or len(parties) > MAX_SHARED:
            continue
        ordered = sorted(parties)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if g.has_edge(a, b):
                    g[a][b]["shared"].add((kind, value))
                else:
                    g.add_edge(a, b, shared={(kind, value)})
    return g


def _near(amount: int, threshold: int) -> bool:
    return near_floor(threshold) <= amount < threshold


def _evidence(  # noqa: C901 - one pass per kind of evidence
    members: set[str], spends: list[Flow], orders: list[Flow], threshold: int
) -> tuple[dict[str, Any], dict[str, int]]:
    # Attempts count, declined ones too: the rules may have stopped the money, not the intent.
    internal = [s for s in spends if s.other in members and s.party in members]
    # Money back: after a spend to X, an order at the holder (or a member) paid by X or a member.
    back: list[dict[str, Any]] = []
    by_merchant: dict[str, list[Flow]] = defaultdict(list)
    for o in orders:
        if o.party in members:
            by_merchant[o.party].append(o)
    for s in spends:
        if s.party not in members or s.other is None:
            continue
        # Back means against the spend: paid by its counterparty to the holder (or a member).
        payers = {s.other}
        for merchant in ({s.party} | members) - {s.other}:
            back.extend(
                {"spend": s.ref, "order": o.ref, "to": merchant, "from": o.other}
                for o in by_merchant.get(merchant, [])
                if o.other in payers
                and o.other != merchant
                and s.at <= o.at <= s.at + timedelta(days=MONEY_BACK_DAYS)
            )
    refunds = [
        {"order": o.ref, "merchant": o.party, "buyer": o.other}
        for o in orders
        if o.party in members and o.other in members and o.refunded > 0
    ] + [
        {"spend": s.ref, "holder": s.party, "counterparty": s.other}
        for s in internal
        if s.refunded > 0
    ]
    split_days: dict[str, set[str]] = defaultdict(set)
    per_day: dict[tuple[str, str], int] = defaultdict(int)
    forbidden: dict[str, int] = defaultdict(int)
    for s in spends:
        if s.party not in members:
            continue
        if s.purpose in _FORBIDDEN:
            forbidden[s.party] += 1
        elif _near(s.amount, threshold):
            day = s.at.date().isoformat()
            per_day[(s.party, day)] += 1
            if per_day[(s.party, day)] >= SPLIT_PER_DAY:
                split_days[s.party].add(day)
    forbidden_members = sorted(p for p, n in forbidden.items() if n >= FORBIDDEN_PER_MEMBER)
    points = {
        "round_trip": (30 if internal else 0) + (40 if back else 0),
        "fake_orders": (30 if internal else 0) + (20 * min(len(refunds), 3)),
        "threshold_split": 35 * min(len(split_days), 3),
        "forbidden_purpose": 30 * min(len(forbidden_members), 3),
    }
    if any(s.purpose == "purchase" for s in internal) and refunds:
        points["round_trip"] = min(points["round_trip"], 30)
    evidence = {
        "spends_between_members": [
            {"spend": s.ref, "from": s.party, "to": s.other, "amount": Money(s.amount).format()}
            for s in internal[:20]
        ],
        "money_back": back[:20],
        "quick_refunds": refunds[:20],
        "split_under_threshold": {p: sorted(d) for p, d in sorted(split_days.items())},
        "forbidden_attempts": {p: forbidden[p] for p in forbidden_members},
    }
    return evidence, points


def find_rings(
    identifiers: Iterable[tuple[str, str, str]],
    flows: Iterable[Flow],
    *,
    threshold: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[Ring]:
    """Every group of linked parties whose flows look like cash-out, strongest first."""
    import networkx as nx  # noqa: PLC0415 - imported on first use (start-up time)

    g = link_graph(identifiers)
    spends: list[Flow] = []
    orders: list[Flow] = []
    for f in flows:
        (spends if f.kind == "spend" else orders).append(f)
    by_party: dict[str, list[Flow]] = defaultdict(list)
    for s in spends:
        by_party[s.party].append(s)
    orders_by_party: dict[str, list[Flow]] = defaultdict(list)
    for o in orders:
        orders_by_party[o.party].append(o)
    groups = [sorted(c) for c in nx.connected_components(g) if len(c) >= 2]
    rings: list[Ring] = []
    for i, group in enumerate(groups, 1):
        members = set(group)
        mine = [s for p in group for s in by_party.get(p, [])]
        their_orders = [o for p in group for o in orders_by_party.get(p, [])]
        evidence, points = _evidence(members, mine, their_orders, threshold)
        pattern, best = max(points.items(), key=lambda kv: (kv[1], kv[0]))
        score = min(100, best + 5 * (len(group) - 1) + sum(points.values()) // 10)
        if best >= RING_SCORE:
            shared = sorted(
                {(k, v) for a, b in g.subgraph(group).edges for k, v in g[a][b]["shared"]}
            )
            rings.append(
                Ring(
                    members=group,
                    shared=[{"kind": k, "value": v} for k, v in shared],
                    evidence=evidence,
                    score=score,
                    pattern=pattern,
                )
            )
        if progress is not None:
            progress(i, len(groups))
    rings.sort(key=lambda r: (-r.score, r.members))
    return rings


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0
