"""How well cash-out (套现) is caught, per scheme and per honest look-alike, from what a simulated
run saw: every spend attempt with its truth and its outcome, and when each ring was first found.

A fraud attempt is caught when the inline engine stopped it (declined, or held for review) or
the ring job found its ring within a day of it. Precision, per scheme, is taken as if only that
scheme ran beside the honest traffic: its caught attempts over those plus every honest attempt
the engine declined or held (for rings: its found rings over those plus every false ring), so a
scheme is not flattered by the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from creditline.domain.risk.rings import jaccard

RING_MATCH = 0.5  # a found ring is a true one when they share half their members
COVER = "cover"
CATCH_WITHIN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Attempted:
    """One spend attempt of a run, with its truth."""

    subject: str
    party: str
    at: datetime
    scheme: str | None  # the cash-out scheme, None for honest traffic
    look_alike: str  # the honest look-alike the party belongs to ("plain" for others)
    ring: str | None
    outcome: str  # approved, review, declined (by risk), refused (by the quota rules)


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def ring_found_at(
    true_members: Mapping[str, list[str]], sightings: Iterable[tuple[datetime, list[str]]]
) -> dict[str, datetime]:
    """When each true ring was first found: a found ring sharing half its members."""
    found: dict[str, datetime] = {}
    for at, members in sorted(sightings, key=lambda s: s[0]):
        for ring, truth in true_members.items():
            if ring not in found and jaccard(truth, members) >= RING_MATCH:
                found[ring] = at
    return found


def false_rings(true_members: Mapping[str, list[str]], found: Iterable[list[str]]) -> int:
    """Found rings most of whose members are in no true ring (a part of a true ring found on
    its own is a late or partial find, not a false ring)."""
    guilty = {p for m in true_members.values() for p in m}
    return sum(1 for m in found if sum(1 for p in m if p in guilty) * 2 < len(m))


def scheme_report(
    attempts: list[Attempted],
    true_rings: Mapping[str, tuple[str, list[str]]],
    sightings: list[tuple[datetime, list[str]]],
    final_rings: list[list[str]],
) -> dict[str, Any]:
    """Per scheme (inline, rings, together) and for the honest traffic, overall and per
    look-alike."""
    members = {ring: m for ring, (_, m) in true_rings.items()}
    found_at = ring_found_at(members, sightings)
    false = false_rings(members, final_rings)
    # A ring member's ordinary business ("cover") is neither a scheme's attempt nor honest.
    honest = [a for a in attempts if a.scheme is None and a.look_alike != COVER]
    honest_flagged = sum(1 for a in honest if a.outcome in {"declined", "review"})
    schemes: dict[str, Any] = {}
    by_scheme: dict[str, list[Attempted]] = defaultdict(list)
    for a in attempts:
        if a.scheme is not None:
            by_scheme[a.scheme].append(a)
    names = sorted({s for s, _ in true_rings.values()} | set(by_scheme))
    for scheme in names:
        mine = by_scheme.get(scheme, [])
        stopped = sum(1 for a in mine if a.outcome in {"declined", "review", "refused"})
        reviewed = sum(1 for a in mine if a.outcome == "review")
        caught = sum(
            1
            for a in mine
            if a.outcome in {"declined", "review", "refused"}
            or (a.ring in found_at and found_at[a.ring] <= a.at + CATCH_WITHIN)
        )
        rings = [r for r, (s, _) in true_rings.items() if s == scheme]
        hit = sum(1 for r in rings if r in found_at)
        schemes[scheme] = {
            "attempts": len(mine),
            "recall": _ratio(caught, len(mine)),
            "precision": _ratio(caught, caught + honest_flagged),
            "inline": {
                "recall": _ratio(stopped, len(mine)),
                "precision": _ratio(stopped, stopped + honest_flagged),
                "review_rate": _ratio(reviewed, len(mine)),
            },
            "rings": {
                "rings": len(rings),
                "found": hit,
                "recall": _ratio(hit, len(rings)),
                "precision": _ratio(hit, hit + false) if rings else None,
            },
        }
    look_alikes: dict[str, Any] = {}
    by_kind: dict[str, list[Attempted]] = defaultdict(list)
    for a in honest:
        by_kind[a.look_alike].append(a)
    for kind, mine in sorted(by_kind.items()):
        look_alikes[kind] = _honest(mine)
    return {
        "schemes": schemes,
        "honest": {**_honest(honest), "look_alikes": look_alikes},
        "rings": {
            "true": len(true_rings),
            "found": len(final_rings),
            "false_rings": false,
        },
    }


def _honest(rows: list[Attempted]) -> dict[str, Any]:
    declined = sum(1 for a in rows if a.outcome == "declined")
    review = sum(1 for a in rows if a.outcome == "review")
    return {
        "attempts": len(rows),
        "declined": declined,
        "false_decline_rate": _ratio(declined, len(rows)),
        "review_rate": _ratio(review, len(rows)),
    }
