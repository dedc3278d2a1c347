"""Cash-out rings (套现团伙): parties whose money moves like cash-out, tied together by the money
itself and by identifiers they share.

Evidence first, whoever the parties are linked to (``domain.risk.flows``): money cycles of 2-4
hops that return most of a spend within the policy's horizon, dense bursts of quickly refunded
(or declined) spends at one shop, spend attempts between strongly linked parties, attempts split
just under the large-spend threshold, repeated forbidden-purpose attempts. Declined attempts are
evidence as much as successful ones: the rules may have stopped the money, not the intent. The
parties carrying evidence are then joined into rings by the evidence that ties them (a cycle's
parties, a burst's shop and holders) and by any identifier they share, weighted by how many
parties share it, so a phone farm of 13 or 50 accounts is one ring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from creditline.domain.money import Money
from creditline.domain.quota.purposes import FORBIDDEN_PURPOSES
from creditline.domain.risk.flows import (
    CYCLE_MIN,
    CYCLE_SHARE,
    QUICK_REFUND,
    STRONG_LINK,
    Attempt,
    MoneyGraph,
    Payment,
    dense_bursts,
    dense_days,
    money_cycles,
    pair_links,
)

LINKED_MIN = 1_000_00  # a spend attempt between linked parties from this amount is evidence
SPLIT_LOW = 75  # per cent of the large-spend threshold: attempts from here to it are "near"
SPLIT_WINDOW = timedelta(days=7)
SPLIT_ATTEMPTS = 4  # near-threshold attempts by one party within the window
FORBIDDEN_WINDOW = timedelta(days=7)
FORBIDDEN_ATTEMPTS = 2
RING_SCORE = 50
EVIDENCE_SHOWN = 20  # items of each kind a ring keeps as its evidence
POINTS = {"cycle": 60, "burst": 60, "linked_attempt": 30, "split": 60}

_FORBIDDEN = {p.value for p in FORBIDDEN_PURPOSES}


@dataclass(frozen=True, slots=True)
class Flow:
    """A spend (holder → counterparty) or an order (merchant ``party``, buyer ``other``)."""

    kind: str
    party: str
    other: str | None
    amount: int  # minor units (fen); evidence gives it as money, like every answer
    at: datetime
    ref: str
    purpose: str = ""
    status: str = ""
    refunded: int = 0
    refunded_at: datetime | None = None  # when the refund (or return) was made, if known

    @property
    def declined(self) -> bool:
        return self.status == "declined"


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
    """Parties as nodes; an edge, with its strength, for each pair an identifier ties (weighted
    by how many parties share it: no hub cut-off)."""
    import networkx as nx  # noqa: PLC0415 - imported on first use (start-up time)

    g = nx.Graph()
    for (a, b), strength in pair_links(identifiers).items():
        g.add_edge(a, b, strength=round(strength, 4))
    return g


def _near(amount: int, threshold: int) -> bool:
    return threshold * SPLIT_LOW // 100 <= amount < threshold


def _spent(spends: list[Flow]) -> list[Payment]:
    """Quota that moved and stayed moved: spends not declined, net of refunds."""
    return [
        Payment(s.party, s.other, s.amount - s.refunded, s.at, s.ref)
        for s in spends
        if s.other is not None and not s.declined and s.purpose not in _FORBIDDEN
    ]


def _proceeds(orders: list[Flow]) -> list[Payment]:
    """Sales proceeds: orders, buyer to merchant, net of returns."""
    return [
        Payment(o.other, o.party, o.amount - o.refunded, o.at, o.ref)
        for o in orders
        if o.other is not None
    ]


def burst_attempts(spends: list[Flow]) -> list[Attempt]:
    """Spends at a shop as the burst search sees them: quick refunds and declines are bad.
    Times count in whole seconds, as the platform-wide analytics stage them, so that the
    ring job and the ``refund_bursts`` job draw every window's edge alike."""
    return [
        Attempt(
            s.party,
            s.other,
            _second(s.at),
            s.declined
            or (
                s.refunded > 0
                and s.refunded_at is not None
                and _second(s.refunded_at) - _second(s.at) <= QUICK_REFUND
            ),
            s.ref,
        )
        for s in spends
        if s.other is not None and s.purpose not in _FORBIDDEN
    ]


def _second(at: datetime) -> datetime:
    return at.replace(microsecond=0)


class _Evidence:
    """Evidence by party, and the ties the evidence itself makes between parties."""

    def __init__(self) -> None:
        self.items: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        self.ties: list[tuple[str, str]] = []

    def add(self, parties: Iterable[str], kind: str, item: dict[str, Any]) -> None:
        group = sorted(set(parties))
        for p in group:
            self.items[p].append((kind, item))
        self.ties += [(group[0], p) for p in group[1:]]

    def of(self, group: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """A group's evidence by kind, each item once (a cycle is on each of its parties)."""
        kinds: dict[str, list[dict[str, Any]]] = defaultdict(list)
        seen: set[str] = set()
        for p in group:
            for kind, item in self.items.get(p, ()):
                key = repr(sorted(item.items()))
                if key not in seen:
                    seen.add(key)
                    kinds[kind].append(item)
        return kinds


def _collect(  # noqa: C901 - one pass per kind of evidence
    spends: list[Flow],
    orders: list[Flow],
    links: dict[tuple[str, str], float],
    *,
    threshold: int,
    horizon: timedelta,
) -> _Evidence:
    ev = _Evidence()
    spent, back = MoneyGraph(_spent(spends)), MoneyGraph(_proceeds(orders))
    for c in money_cycles(spent, back, horizon=horizon):
        ev.add(
            c.path,
            "cycle",
            {
                "cycle": list(c.path),
                "out": Money(c.out).format(),
                "back": Money(c.back).format(),
                "from": c.start.isoformat(),
                "spend": c.refs[0],
            },
        )
    for b in dense_bursts(burst_attempts(spends)):
        ev.add(
            (b.shop, *b.holders),
            "burst",
            {
                "shop": b.shop,
                "holders": list(b.holders),
                "refunded_or_declined": b.bad,
                "spends": b.attempts,
                "from": b.start.isoformat(),
            },
        )
    near: dict[str, list[datetime]] = defaultdict(list)
    forbidden: dict[str, list[datetime]] = defaultdict(list)
    for s in spends:
        if s.purpose in _FORBIDDEN:
            forbidden[s.party].append(s.at)
            continue
        if _near(s.amount, threshold):
            near[s.party].append(s.at)
        if s.other is None or s.amount < LINKED_MIN or s.purpose == "purchase":
            continue  # a shopper at a shop it is tied to is often family: bursts weigh that
        strength = links.get((s.party, s.other) if s.party < s.other else (s.other, s.party), 0)
        if strength >= STRONG_LINK:
            # the linked payee sent most of it back as orders, whether the spend went through
            returned, _ = back.paid(s.other, s.party, s.at, s.at + horizon)
            returned = returned if returned >= max(CYCLE_MIN, s.amount * CYCLE_SHARE) else 0
            ev.add(
                (s.party, s.other),
                "linked_attempt",
                {
                    "spend": s.ref,
                    "from": s.party,
                    "to": s.other,
                    "amount": Money(s.amount).format(),
                    "declined": s.declined,
                    "link": round(strength, 2),
                    "money_back": Money(returned).format() if returned else None,
                },
            )
    for party, times in near.items():
        starts = dense_days(times, window=SPLIT_WINDOW, at_least=SPLIT_ATTEMPTS)
        if starts:
            ev.add(
                (party,),
                "split",
                {"party": party, "windows": [t.date().isoformat() for t in starts]},
            )
    for party, times in forbidden.items():
        if dense_days(times, window=FORBIDDEN_WINDOW, at_least=FORBIDDEN_ATTEMPTS):
            ev.add((party,), "forbidden", {"party": party, "attempts": len(times)})
    return ev


def _group_points(kinds: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Points per pattern of a group, from the kinds of evidence its parties carry: one cycle or
    burst is enough; linked attempts count per attempt (two make a ring); forbidden attempts
    per attempt; near-threshold splits per party."""
    cycles = kinds.get("cycle", [])
    out = {
        "round_trip": max(
            POINTS["cycle"] if any(len(c["cycle"]) == 3 for c in cycles) else 0,
            POINTS["linked_attempt"] * min(len(kinds.get("linked_attempt", [])), 3),
            POINTS["cycle"] if any(a["money_back"] for a in kinds.get("linked_attempt", [])) else 0,
        ),
        "chain": POINTS["cycle"] if any(len(c["cycle"]) > 3 for c in cycles) else 0,
        "fake_orders": POINTS["burst"] if kinds.get("burst") else 0,
        "threshold_split": (
            POINTS["split"] + 5 * (min(len(kinds["split"]), 5) - 1) if kinds.get("split") else 0
        ),
        "forbidden_purpose": 20 * min(sum(f["attempts"] for f in kinds.get("forbidden", [])), 3),
    }
    return {k: v for k, v in out.items() if v}


def find_rings(
    identifiers: Iterable[tuple[str, str, str]],
    flows: Iterable[Flow],
    *,
    threshold: int,
    horizon: timedelta = timedelta(days=45),
    progress: Callable[[int, int], None] | None = None,
) -> list[Ring]:
    """Every group of parties whose money moved like cash-out, strongest first."""
    import networkx as nx  # noqa: PLC0415 - imported on first use (start-up time)

    ids = list(identifiers)
    links = pair_links(ids)
    spends: list[Flow] = []
    orders: list[Flow] = []
    for f in flows:
        (spends if f.kind == "spend" else orders).append(f)
    ev = _collect(spends, orders, links, threshold=threshold, horizon=horizon)
    g = nx.Graph()
    g.add_nodes_from(ev.items)
    g.add_edges_from(ev.ties)
    for (a, b), strength in links.items():
        if a in ev.items and b in ev.items:
            g.add_edge(a, b, strength=strength)
    holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for party, kind, value in ids:
        holders[party].append((kind, value))
    # A ring reaches the parties strongly tied to its members (a phone farm's idle accounts).
    for (a, b), strength in links.items():
        if strength >= STRONG_LINK and (a in ev.items) != (b in ev.items):
            g.add_edge(a, b, strength=strength)
    groups = [sorted(c) for c in nx.connected_components(g)]
    rings: list[Ring] = []
    for i, group in enumerate(groups, 1):
        kinds = ev.of(group)
        points = _group_points(kinds)
        if points and max(points.values()) >= RING_SCORE:
            rings.append(_ring(group, kinds, points, holders=holders))
        if progress is not None:
            progress(i, len(groups))
    rings.sort(key=lambda r: (-r.score, r.members))
    return rings


def _ring(
    group: list[str],
    kinds: dict[str, list[dict[str, Any]]],
    points: dict[str, int],
    *,
    holders: dict[str, list[tuple[str, str]]],
) -> Ring:
    pattern, best = max(points.items(), key=lambda kv: (kv[1], kv[0]))
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for p in group:
        for ident in set(holders.get(p, ())):
            seen[ident] += 1
    shared = sorted(k for k, n in seen.items() if n >= 2)
    evidence = {kind: items[:EVIDENCE_SHOWN] for kind, items in kinds.items()}
    score = min(100, best + 5 * (len(group) - 1) + sum(points.values()) // 10)
    return Ring(
        members=group,
        shared=[{"kind": k, "value": v} for k, v in shared],
        evidence={"points": dict(sorted(points.items())), **dict(sorted(evidence.items()))},
        score=score,
        pattern=pattern,
    )


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0
