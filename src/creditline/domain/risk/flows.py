"""The money-flow graph (资金流图) of the ring job: who paid whom, how much and when, beside who
shares which identifier, and the three shapes of cash-out (套现) read from it.

- **Money cycles** of 2-4 hops: quota spent at B comes back to the holder through orders and
  spends (B buys from the holder, or B buys from C who buys from the holder) within a horizon
  (policy ``ring_horizon_days``, 45 days by default), whoever the parties are linked to. What
  came back is measured against everything the holder paid B in the same window, so a supplier
  who also buys a little from its customer is no cycle, and money returned in many small
  orders still is.
- **Dense bursts** (ANTICO, Fraudar): a shop whose spends from many holders are refunded within
  days (or were declined) far more often than a busy honest shop's.
- **Identifiers weighted by how many parties share them** (an inverse-frequency weight, no hub
  cut-off): a family's tablet links two people strongly, an office Wi-Fi shared by forty
  weighs little, a phone farm's one device still ties its 13 or 50 accounts together.

Pure functions over values; ``networkx`` holds the graph the rings are cut from.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

#: How much an identifier of each kind says about two parties who share it (before sharing).
KIND_WEIGHTS = {
    "device": 1.0,
    "phone": 1.0,
    "bank_account": 1.0,
    "address": 0.25,
    "login_ip": 0.3,
}
STRONG_LINK = 0.3  # a pair linked at least this much is "linked" (a spend between them is evidence)
#: ``STRONG_LINK`` as ``link_strengths`` gives ties: two places, exact.
STRONG_TIE = Decimal(str(STRONG_LINK)).quantize(Decimal("0.01"))
WEAK_LINK = 0.08  # below this an identifier ties no one (a mall's Wi-Fi shared by thousands)
CYCLE_SHARE = 0.6  # a cycle returns at least this share of what went out
CYCLE_MIN = 1_000_00  # ... and at least this much (minor units): pocket money is no cash-out
QUICK_REFUND = timedelta(days=3)
BURST_WINDOW = timedelta(days=7)
BURST_HOLDERS = 4  # distinct holders with quick refunds (or declines) at one shop in a window
BURST_SHARE = 0.6  # ... which are this share of the shop's spends in that window
MAX_BRANCH = 200  # counterparties followed from one party in a cycle search


def identifier_weight(kind: str, sharers: int) -> float:
    """What one identifier says about a pair of the ``sharers`` parties sharing it: its kind's
    weight over one plus the decimal log of the others (1 other: full weight; 12 others: about
    half; 1,000: a quarter, and a weak kind's shared Wi-Fi next to nothing)."""
    if sharers < 2:
        return 0.0
    return KIND_WEIGHTS.get(kind, 0.5) / (1.0 + math.log10(sharers - 1))


def most_tying(kind: str, ceiling: int) -> int:
    """The most parties that may share an identifier of ``kind`` for it still to tie them
    (``identifier_weight`` at least ``WEAK_LINK``), searched up to ``ceiling``: the weight falls
    as sharers grow, so this is the last count that still ties."""
    low, high = 2, ceiling
    if identifier_weight(kind, high) >= WEAK_LINK:
        return high
    while low < high:
        mid = (low + high + 1) // 2
        if identifier_weight(kind, mid) >= WEAK_LINK:
            low = mid
        else:
            high = mid - 1
    return low


def link_strength(weights: Iterable[float]) -> float:
    """Two parties' link from the weights of the identifiers they share: 1 - prod(1 - w)."""
    rest = 1.0
    for w in weights:
        rest *= 1.0 - min(w, 1.0)
    return 1.0 - rest


def link_strengths(rows: Iterable[tuple[str, str, int]]) -> dict[str, Decimal]:
    """Each party's tie to one party, from (other party, kind, sharers) of the identifiers they
    share, to two places."""
    weights: dict[str, list[float]] = defaultdict(list)
    for party, kind, sharers in rows:
        weights[party].append(identifier_weight(kind, int(sharers)))
    return {
        p: Decimal(round(link_strength(ws), 2)).quantize(Decimal("0.01"))
        for p, ws in weights.items()
    }


def pair_links(identifiers: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], float]:
    """Every pair of parties tied by an identifier, with the strength of the tie (a sorted pair
    as the key). An identifier below ``WEAK_LINK`` ties no one."""
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for party, kind, value in identifiers:
        holders[(kind, value)].add(party)
    shared: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (kind, _), parties in holders.items():
        w = identifier_weight(kind, len(parties))
        if w < WEAK_LINK:
            continue
        ordered = sorted(parties)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                shared[(a, b)].append(w)
    return {pair: link_strength(ws) for pair, ws in shared.items()}


@dataclass(frozen=True, slots=True)
class Payment:
    """Money from ``payer`` to ``payee``: a spend (holder → counterparty) or an order (buyer →
    merchant), net of what was refunded or returned."""

    payer: str
    payee: str
    amount: int
    at: datetime
    ref: str


class MoneyGraph:
    """Payments by pair, time-ordered, with running sums: "how much did x pay y between t1 and
    t2" is two binary searches."""

    def __init__(self, payments: Iterable[Payment]) -> None:
        by_pair: dict[tuple[str, str], list[Payment]] = defaultdict(list)
        for p in payments:
            if p.amount > 0 and p.payer != p.payee:
                by_pair[(p.payer, p.payee)].append(p)
        self.times: dict[tuple[str, str], list[datetime]] = {}
        self.sums: dict[tuple[str, str], list[int]] = {}
        self.payments: dict[tuple[str, str], list[Payment]] = {}
        self.out: dict[str, list[str]] = defaultdict(list)
        for pair, items in by_pair.items():
            items.sort(key=lambda p: p.at)
            self.payments[pair] = items
            self.times[pair] = [p.at for p in items]
            running, sums = 0, [0]
            for p in items:
                running += p.amount
                sums.append(running)
            self.sums[pair] = sums
            self.out[pair[0]].append(pair[1])
        for x, payees in self.out.items():  # the biggest payees first (MAX_BRANCH)
            total = {y: self.sums[(x, y)][-1] for y in payees}
            payees.sort(key=lambda y: (-total[y], y))

    def paid(self, x: str, y: str, start: datetime, end: datetime) -> tuple[int, datetime | None]:
        """What ``x`` paid ``y`` in [start, end], and when the first of it was paid."""
        times = self.times.get((x, y))
        if not times:
            return 0, None
        i, j = bisect_left(times, start), bisect_right(times, end)
        if i >= j:
            return 0, None
        sums = self.sums[(x, y)]
        return sums[j] - sums[i], times[i]


@dataclass(frozen=True, slots=True)
class Cycle:
    """Money that went round: ``path`` starts and ends at the holder."""

    path: tuple[str, ...]
    out: int  # what the holder paid the first payee in the window
    back: int  # what came back round the cycle (its narrowest hop)
    start: datetime
    refs: tuple[str, ...]


def money_cycles(
    spent: MoneyGraph, back: MoneyGraph, *, horizon: timedelta, max_hops: int = 4
) -> list[Cycle]:
    """Every cycle of 2 to ``max_hops`` hops, a quota spend out (``spent``) and sales proceeds
    back (``back``: orders paid by one party to another), that returned most of what went out
    within the horizon; one per holder and first payee (the strongest). Quota spent both ways
    between trading partners is no cycle: no quota became cash."""
    best: dict[tuple[str, str], Cycle] = {}
    for (a, b), items in spent.payments.items():
        done_until: datetime | None = None
        for first in items:
            if done_until is not None and first.at <= done_until:
                continue  # one search per window of a pair
            done_until = first.at + horizon / 2
            end = first.at + horizon
            out, _ = spent.paid(a, b, first.at, end)
            found = _close(back, a, b, first.at, end, out, max_hops)
            if found is not None:
                path, returned = found
                cycle = Cycle(path, out, returned, first.at, (first.ref,))
                known = best.get((a, b))
                if known is None or returned * known.out > known.back * out:
                    best[(a, b)] = cycle
    return sorted(best.values(), key=lambda c: (c.start, c.path))


def _close(  # noqa: PLR0917 - a cycle's two ends, its window and its size
    graph: MoneyGraph, a: str, b: str, since: datetime, end: datetime, out: int, max_hops: int
) -> tuple[tuple[str, ...], int] | None:
    """The best path from ``b`` back to ``a`` carrying at least CYCLE_SHARE of ``out`` after
    ``since`` (depth-first, each hop no earlier than the one before)."""
    need = max(CYCLE_MIN, math.ceil(out * CYCLE_SHARE))
    best: tuple[tuple[str, ...], int] | None = None
    stack: list[tuple[str, datetime, int, tuple[str, ...]]] = [(b, since, out, (a, b))]
    while stack:
        x, t, carried, path = stack.pop()
        for y in graph.out.get(x, ())[:MAX_BRANCH]:
            if y in path[1:]:
                continue
            amount, first = graph.paid(x, y, t, end)
            if first is None or amount < need:
                continue
            flow = min(carried, amount)
            if y == a:
                if len(path) >= 2 and (best is None or flow > best[1]):
                    best = ((*path, a), flow)
            elif len(path) < max_hops:
                stack.append((y, first, flow, (*path, y)))
    return best


@dataclass(frozen=True, slots=True)
class Attempt:
    """One spend attempt at a shop, as the burst search sees it."""

    holder: str
    shop: str
    at: datetime
    bad: bool  # refunded within QUICK_REFUND of the spend, or declined
    ref: str


@dataclass(frozen=True, slots=True)
class Burst:
    shop: str
    holders: tuple[str, ...]
    bad: int  # quick refunds and declines in the window
    attempts: int  # all spends at the shop in the window
    start: datetime
    refs: tuple[str, ...]


def dense_bursts(attempts: Iterable[Attempt]) -> list[Burst]:
    """Shops where, within one window, several holders' spends were refunded within days (or
    declined) and such spends are most of the shop's: the densest window per shop."""
    by_shop: dict[str, list[Attempt]] = defaultdict(list)
    for a in attempts:
        by_shop[a.shop].append(a)
    out: list[Burst] = []
    for shop, items in by_shop.items():
        bad_all = sum(1 for a in items if a.bad)
        if bad_all < BURST_HOLDERS or bad_all < BURST_SHARE * len(items):
            continue  # a busy shop's honest refunds are a minority of its spends
        items.sort(key=lambda a: a.at)
        times = [a.at for a in items]
        found: Burst | None = None
        for first in items:
            if not first.bad:
                continue
            # From the first spend at the anchor's time: ties are in the window, whatever
            # order the spends came in.
            start, end = bisect_left(times, first.at), bisect_right(times, first.at + BURST_WINDOW)
            window = items[start:end]
            bad = [a for a in window if a.bad]
            holders = {a.holder for a in bad}
            if len(holders) < BURST_HOLDERS or len(bad) < BURST_SHARE * len(window):
                continue
            if found is None or len(holders) > len(found.holders):
                found = Burst(
                    shop,
                    tuple(sorted(holders)),
                    len(bad),
                    len(window),
                    first.at,
                    tuple(a.ref for a in bad[:20]),
                )
        if found is not None:
            out.append(found)
    return out


def dense_days(times: Iterable[datetime], *, window: timedelta, at_least: int) -> list[datetime]:
    """The starts of windows holding at least ``at_least`` of ``times`` (each counted once)."""
    ordered = sorted(times)
    starts: list[datetime] = []
    i = 0
    while i < len(ordered):
        j = bisect_right(ordered, ordered[i] + window)
        if j - i >= at_least:
            starts.append(ordered[i])
            i = j
        else:
            i += 1
    return starts
