"""A scorecard's points table (评分卡分值表) applied to one holder's facts: the bin each value
falls in, the points it earns, the total score, and the factors that cost the most points.

The table is read from a card's artefact (``bins``: variable, bin text, count, points), the
file ``creditline scorecard train`` keeps. A numeric bin is an interval as optbinning writes it
(``(-inf, 8.50)``, ``[8.50, 11.50)``, ``[43.50, inf)``: closed on the left, open on the right);
a categorical bin lists its categories (``radio/television | business``). ``Missing`` scores a
value that is not known, and a category the card never saw; ``Special`` is never chosen.

Points are rounded to whole points per factor, as a printed scorecard shows them, so the score
a holder reads is the sum of the points beside it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from creditline.domain.errors import InvalidInput

MISSING, SPECIAL = "Missing", "Special"
#: A fact as a card reads it: a number, a category, or not known.
Fact = Decimal | int | str | None

_EDGE = r"(-inf|inf|[-+]?[0-9]+(?:\.[0-9]+)?)"
_INTERVAL = re.compile(rf"([\[(])\s*{_EDGE}\s*,\s*{_EDGE}\s*([\])])")


@dataclass(frozen=True, slots=True)
class CardBin:
    """One bin: an interval (``low``/``high``, None for an infinite end), a set of categories,
    or the ``Missing``/``Special`` bin; its count in the data it was fitted on, and its points."""

    label: str
    points: int
    count: int = 0
    low: Decimal | None = None
    high: Decimal | None = None
    low_closed: bool = True
    high_closed: bool = False
    categories: frozenset[str] | None = None

    @property
    def is_interval(self) -> bool:
        return self.categories is None and self.label not in {MISSING, SPECIAL}

    @property
    def observed(self) -> bool:
        """A bin of real values that some of the fitting data fell in."""
        return self.count > 0 and self.label not in {MISSING, SPECIAL}

    def holds(self, value: Fact) -> bool:
        if value is None or self.label in {MISSING, SPECIAL}:
            return False
        if self.categories is not None:
            return isinstance(value, str) and value in self.categories
        if isinstance(value, str):
            return False
        above = self.low is None or (value >= self.low if self.low_closed else value > self.low)
        below = self.high is None or (value <= self.high if self.high_closed else value < self.high)
        return above and below


@dataclass(frozen=True, slots=True)
class Characteristic:
    """One factor of the card and its bins, in the card's order."""

    variable: str
    bins: tuple[CardBin, ...]

    @property
    def numeric(self) -> bool:
        return any(b.is_interval for b in self.bins)

    @property
    def best_points(self) -> int:
        """The most points a real value can earn here (the bins the data filled)."""
        observed = [b.points for b in self.bins if b.observed]
        return max(observed or [b.points for b in self.bins] or [0])

    def bin_for(self, value: Fact) -> CardBin:
        """The bin ``value`` falls in; ``Missing`` when it is not known or fits no bin."""
        for b in self.bins:
            if b.holds(value):
                return b
        for b in self.bins:
            if b.label == MISSING:
                return b
        return CardBin(MISSING, 0)


@dataclass(frozen=True, slots=True)
class PointsTable:
    characteristics: tuple[Characteristic, ...]

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(c.variable for c in self.characteristics)

    def characteristic(self, variable: str) -> Characteristic | None:
        for c in self.characteristics:
            if c.variable == variable:
                return c
        return None


@dataclass(frozen=True, slots=True)
class FactorScore:
    """What one factor earned: the value read, its bin, its points and the best it could."""

    variable: str
    value: Fact
    bin: str
    points: int
    best_points: int

    @property
    def cost(self) -> int:
        """Points short of the factor's best bin."""
        return self.best_points - self.points


@dataclass(frozen=True, slots=True)
class Scored:
    factors: tuple[FactorScore, ...]

    @property
    def total(self) -> int:
        return sum(f.points for f in self.factors)

    def top_costs(self, count: int = 3) -> list[FactorScore]:
        """The ``count`` factors that cost the most points (none that cost nothing), the
        card's order breaking ties."""
        costly = [(f.cost, -i, f) for i, f in enumerate(self.factors) if f.cost > 0]
        return [f for _, _, f in sorted(costly, key=lambda x: (x[0], x[1]), reverse=True)[:count]]


def whole_points(value: Any) -> int:
    """A card's points (a number in the artefact) rounded half up to whole points."""
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput("scorecard", f"scorecard: points {value!r} is not a number") from None
    if not exact.is_finite():
        raise InvalidInput("scorecard", f"scorecard: points {value!r} is not a number")
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_bin(label: str, points: Any, count: int = 0) -> CardBin:
    """One bin from its text as the artefact keeps it."""
    whole = whole_points(points)
    if label in {MISSING, SPECIAL}:
        return CardBin(label, whole, count)
    match = _INTERVAL.fullmatch(label.strip())
    if match is None:
        return CardBin(label, whole, count, categories=frozenset(label.split(" | ")))
    left, low, high, right = match.groups()
    return CardBin(
        label,
        whole,
        count,
        low=None if low in {"-inf", "inf"} else Decimal(low),
        high=None if high in {"-inf", "inf"} else Decimal(high),
        low_closed=left == "[",
        high_closed=right == "]",
    )


def points_table(bins: Sequence[Mapping[str, Any]]) -> PointsTable:
    """The table of a card artefact's ``bins``, characteristics in the order they come."""
    grouped: dict[str, list[CardBin]] = {}
    for row in bins:
        try:
            variable, label = str(row["variable"]), str(row["bin"])
            found = parse_bin(label, row["points"], int(row.get("count", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput("scorecard", f"scorecard: a bin cannot be read: {exc}") from exc
        grouped.setdefault(variable, []).append(found)
    if not grouped:
        raise InvalidInput("scorecard", "scorecard: the card has no bins")
    return PointsTable(tuple(Characteristic(v, tuple(bs)) for v, bs in grouped.items()))


def score_facts(table: PointsTable, facts: Mapping[str, Fact]) -> Scored:
    """Every factor of ``table`` scored on ``facts`` (a factor without a fact: ``Missing``)."""
    out = []
    for c in table.characteristics:
        value = facts.get(c.variable)
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        found = c.bin_for(value)
        out.append(FactorScore(c.variable, value, found.label, found.points, c.best_points))
    return Scored(tuple(out))
