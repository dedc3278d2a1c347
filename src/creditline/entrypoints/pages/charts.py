"""The geometry of the pages' charts, drawn server-side as inline SVG: scales, paths, shaded
intervals and ticks. Presentation only: the figures come from the use cases (amounts as
decimal text), and this module only places them. Amounts are scaled with ``Decimal``; the
coordinates it answers are SVG text with one decimal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

WIDTH, HEIGHT = 600, 280
LEFT, RIGHT, TOP, BOTTOM = 84, 12, 12, 32
Y_TICKS = 4
X_LABELS = 5


@dataclass(frozen=True, slots=True)
class Series:
    """One line of the chart: its key (the CSS class ``series-<key>``), its label and one
    value a point (amount text, or None where there is none: the line breaks there)."""

    key: str
    label: str
    values: Sequence[str | None]
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded interval over points ``first``..``last`` (inclusive), e.g. a freeze."""

    first: int
    last: int
    label: str
    key: str = "freeze"


@dataclass
class Chart:
    """What the template draws: the view box, the plot's edges, the paths, the bands and the
    ticks, each already placed."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    paths: list[dict[str, str | bool]] = field(default_factory=list)
    bands: list[dict[str, str]] = field(default_factory=list)
    y_ticks: list[dict[str, str]] = field(default_factory=list)
    x_ticks: list[dict[str, str]] = field(default_factory=list)


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least ``value`` (> 0)."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (value.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= power * step:
            return power * step
    return power * 10  # pragma: no cover - the loop ends at 10, which always covers


def _fmt(number: Decimal) -> str:
    return f"{number.quantize(Decimal('0.1'))}"


def _polyline(points: list[tuple[str, str]]) -> str:
    """``M x,y L x,y …`` through ``points``, leaving out a point on a level stretch (same
    height as both neighbours): a flat month is one segment, not thirty."""
    kept = [
        p
        for i, p in enumerate(points)
        if i in (0, len(points) - 1) or not points[i - 1][1] == p[1] == points[i + 1][1]
    ]
    return " ".join(f"{'L' if i else 'M'}{px},{py}" for i, (px, py) in enumerate(kept))


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    bands: Sequence[Band] = (),
    *,
    money: Callable[[Decimal], str] = str,
) -> Chart:
    """Place ``series`` (one value per label) on a common scale from 0 to a round maximum,
    ``bands`` behind them, four amount ticks (``money`` writes them) and a few day labels."""
    chart = Chart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM)
    count = len(labels)
    plot_w = Decimal(chart.right - chart.left)
    plot_h = Decimal(chart.bottom - chart.top)
    step = plot_w / (count - 1) if count > 1 else plot_w
    values = [Decimal(v) for s in series for v in s.values if v is not None]
    top = nice_ceiling(max(values, default=Decimal(0)))

    def x(i: int) -> Decimal:
        return chart.left + (step * i if count > 1 else plot_w / 2)

    def y(v: Decimal) -> Decimal:
        return chart.top + plot_h * (1 - max(v, Decimal(0)) / top)

    # Each day's x and each amount's y placed once: the series share the days, and a quiet
    # stretch repeats one amount (Decimal arithmetic was most of the quota page's chart).
    xs = [_fmt(x(i)) for i in range(count)]
    ys: dict[Any, str] = {}
    for s in series:
        runs: list[list[tuple[str, str]]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
                continue
            py = ys.get(v)
            if py is None:
                py = ys[v] = _fmt(y(Decimal(v)))
            runs[-1].append((xs[i], py))
        d = " ".join(_polyline(run) for run in runs if run)
        chart.paths.append({"key": s.key, "label": s.label, "d": d, "dashed": s.dashed})
    half = step / 2 if count > 1 else plot_w / 2
    for b in bands:
        lo = max(x(b.first) - half, Decimal(chart.left))
        hi = min(x(b.last) + half, Decimal(chart.right))
        chart.bands.append({"x": _fmt(lo), "width": _fmt(hi - lo), "label": b.label, "key": b.key})
    for n in range(Y_TICKS + 1):
        amount = top * n / Y_TICKS
        chart.y_ticks.append({"y": _fmt(y(amount)), "label": money(amount)})
    every = max(1, -(-count // X_LABELS))
    for i in range(0, count, every):
        chart.x_ticks.append({"x": _fmt(x(i)), "label": labels[i]})
    return chart


def _day_label(iso_day: str) -> str:
    return iso_day[5:]  # 2024-09-27 → 09-27


def history_chart(
    body: dict[str, Any], t: dict[str, str], money: Callable[[Decimal], str], *, lang: str
) -> Chart:
    """The quota page's chart: limit, used and available per day, freezes shaded."""
    days = body["days"]
    index = {d["date"]: i for i, d in enumerate(days)}
    series = [
        Series("limit", t["limit"], [d["limit"] for d in days], dashed=True),
        Series("used", t["q_used"], [d["used"] for d in days]),
        Series("available", t["available"], [d["available"] for d in days]),
    ]
    reason = f"reason_{lang}"
    bands = [
        Band(index[f["first_day"]], index[f["last_day"]], f"{t['q_frozen_band']}: {f[reason]}")
        for f in body["freezes"]
        if f["first_day"] in index and f["last_day"] in index
    ]
    return line_chart([_day_label(d["date"]) for d in days], series, bands, money=money)


def monitor_chart(
    body: dict[str, Any], t: dict[str, str], money: Callable[[Decimal], str]
) -> Chart:
    """The monitor's chart: available per day against that day's yellow and red lines."""
    days = body["days"]
    series = [
        Series("available", t["available"], [d["available"] for d in days]),
        Series("yellow", t["q_yellow_line"], [d["yellow_line"] for d in days], dashed=True),
        Series("red", t["q_red_line"], [d["red_line"] for d in days], dashed=True),
    ]
    return line_chart([_day_label(d["date"]) for d in days], series, money=money)
