"""The graph of a cash-out ring drawn as inline SVG, laid out on the server: member nodes,
identifier nodes (device, phone, bank account, address), an edge from a member to each shared
identifier it holds, and money edges between members (a spend, money coming back) drawn
dashed. The layout is a spring layout from a fixed seed, so one ring is drawn the same
way every time (``spring_layout``: networkx holds the graph, the layout is computed here,
since networkx's own layouts need numpy). Presentation only: the ring comes from the use case."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT, MARGIN = 640, 420, 48
SEED = 7
#: Identifier kinds as the legend names them (zh, en).
KINDS = {
    "device": ("设备", "device"),
    "phone": ("手机号", "phone"),
    "bank_account": ("银行账户", "bank account"),
    "address": ("地址", "address"),
    "ip": ("IP", "IP"),
}


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: str
    kind: str  # "member" or an identifier kind
    x: float
    y: float

    @property
    def member(self) -> bool:
        return self.kind == "member"


@dataclass(frozen=True, slots=True)
class Edge:
    a: Node
    b: Node
    kind: str  # "shared", "spend" or "money_back"
    label: str = ""


@dataclass
class Drawing:
    width: int = WIDTH
    height: int = HEIGHT
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


def _short(text: str, most: int = 14) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def spring_layout(g: Any, *, rounds: int = 120) -> dict[Any, tuple[float, float]]:
    """Fruchterman-Reingold in plain Python (networkx's own needs numpy, which creditline
    does not install), from positions drawn with a fixed seed: one graph, one picture."""
    nodes = sorted(g.nodes)
    rng = random.Random(SEED)
    pos = {n: [rng.random(), rng.random()] for n in nodes}
    if len(nodes) < 2:
        return dict.fromkeys(nodes, (0.0, 0.0))
    k = math.sqrt(1.0 / len(nodes))
    step = 0.1
    for _ in range(rounds):
        move = {n: [0.0, 0.0] for n in nodes}
        for i, a in enumerate(nodes):
            for b in nodes[i + 1 :]:
                dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
                d = max(math.hypot(dx, dy), 1e-6)
                push = k * k / d
                move[a][0] += dx / d * push
                move[a][1] += dy / d * push
                move[b][0] -= dx / d * push
                move[b][1] -= dy / d * push
        for a, b in g.edges:
            dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
            d = max(math.hypot(dx, dy), 1e-6)
            pull = d * d / k
            move[a][0] -= dx / d * pull
            move[a][1] -= dy / d * pull
            move[b][0] += dx / d * pull
            move[b][1] += dy / d * pull
        for n in nodes:
            length = max(math.hypot(*move[n]), 1e-6)
            pos[n][0] += move[n][0] / length * min(length, step)
            pos[n][1] += move[n][1] / length * min(length, step)
        step = max(step * 0.97, 0.005)
    return {n: (p[0], p[1]) for n, p in pos.items()}


def money_edges(ring: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Money between members from the ring's evidence: (from, to, kind, label)."""
    members = set(ring.get("members", []))
    evidence = ring.get("evidence", {})
    money = [
        (s["from"], s["to"], "spend", str(s.get("amount", "")))
        for s in evidence.get("spends_between_members", [])
        if s.get("from") in members and s.get("to") in members
    ]
    money += [
        (b["from"], b["to"], "money_back", str(b.get("order", "")))
        for b in evidence.get("money_back", [])
        if b.get("from") in members and b.get("to") in members
    ]
    return money


def ring_drawing(ring: dict[str, Any]) -> Drawing:
    """Where each node of ``ring`` goes, and the edges between them."""
    import networkx as nx  # only the rings page draws

    g = nx.Graph()
    members = list(ring.get("members", []))
    for m in members:
        g.add_node(("member", m))
    shared = [(link["party"], link["kind"], link["value"]) for link in ring.get("links", [])]
    for party, kind, value in shared:
        g.add_edge(("member", party), (kind, value))
    money = money_edges(ring)
    for a, b, _, _ in money:
        g.add_edge(("member", a), ("member", b))
    if g.number_of_nodes() == 0:
        return Drawing()
    pos = spring_layout(g)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0

    def place(key: tuple[str, str]) -> tuple[float, float]:
        x, y = pos[key]
        return (
            round(MARGIN + (x - min(xs)) / span_x * (WIDTH - 2 * MARGIN), 1),
            round(MARGIN + (y - min(ys)) / span_y * (HEIGHT - 2 * MARGIN), 1),
        )

    nodes: dict[tuple[str, str], Node] = {}
    for key in sorted(g.nodes):
        kind, value = key
        x, y = place(key)
        nodes[key] = Node(id=value, label=_short(value), kind=kind, x=x, y=y)
    edges = [Edge(nodes[("member", p)], nodes[(k, v)], "shared") for p, k, v in shared]
    edges += [
        Edge(nodes[("member", a)], nodes[("member", b)], kind, label) for a, b, kind, label in money
    ]
    return Drawing(nodes=list(nodes.values()), edges=edges)
