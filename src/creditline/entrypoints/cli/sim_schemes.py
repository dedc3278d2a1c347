"""The adversary of the simulated marketplace (套现团伙): cash-out schemes whose every parameter
is drawn from a range on each seed, so no rule can fit one schedule.

Schemes: ``round_trip`` (spend at a partner who sends the money back as orders), ``chain``
(holder → a shop → ... → the holder's second account, which buys from the holder), ``fake_orders``
(buyers spend at a shop and are refunded days later), ``threshold_split`` (spends paced just
under the large-spend threshold) and ``forbidden_purpose`` (tries at cash). Drawn per ring:
the partners and ring size (up to 50: a phone farm), which identifiers they share (device,
phone, bank account, address, login IP, or none), the delay before money comes back (1-45
days), the amounts, the band under the threshold, the chain's length and the pacing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise
from typing import Any

import creditline
from creditline.entrypoints.cli.sim_world import START, Actor, World

SCHEMES = ("round_trip", "chain", "fake_orders", "threshold_split", "forbidden_purpose")
SHARES = ("device", "phone", "bank_account", "address", "login_ip", "none")
PACES = (8.0, 12.0, 24.0, 24.0 + 4 / 60, 36.0, 48.0, 72.0)  # hours between a ring's moves


def draw(rng: random.Random, scheme: str) -> dict[str, Any]:
    """One ring's parameters."""
    farm = rng.random() < 0.15
    p: dict[str, Any] = {
        "scheme": scheme,
        "shared": "device" if farm else rng.choice(SHARES),
        "pace": rng.choice(PACES),
        "delay": rng.randint(1, 45),
        "low": rng.randint(1_000_00, 20_000_00),
        "back": rng.uniform(0.85, 0.99),
        "pieces": rng.randint(1, 3),
    }
    p["high"] = p["low"] + rng.randint(2_000_00, 20_000_00)
    if scheme == "round_trip":
        p["size"] = rng.randint(13, 50) if farm else rng.randint(2, 4)
    elif scheme == "chain":
        p["size"] = rng.randint(3, 4)
    elif scheme == "fake_orders":
        p["size"] = rng.randint(13, 40) if farm else rng.randint(4, 16)
        p["low"], p["high"] = rng.randint(500_00, 3_000_00), rng.randint(3_000_00, 8_000_00)
        p["refund_days"] = rng.randint(1, 3)
    elif scheme == "threshold_split":
        p["size"] = rng.randint(1, 6)
        low = rng.uniform(0.76, 0.96)
        p["band"] = (low, min(0.999, low + rng.uniform(0.015, 0.08)))
        p["per_move"] = rng.randint(1, 3)
    else:
        p["size"] = rng.randint(1, 3)
    return p


def plant(w: World, k: int, scheme: str, suppliers: list[str]) -> list[Actor]:
    """Make ring ``k`` of ``scheme`` and schedule its moves over the run; its members are
    returned, so that its shops also run an ordinary business (buying stock, selling) as cover
    beside the scheme."""
    rng = w.rng
    p = draw(rng, scheme)
    ring = f"sim{w.seed}-ring{k}"
    common = w.ids(f"r{k}")
    members: list[Actor] = []
    for j in range(p["size"]):
        ids = w.ids(f"r{k}x{j}")
        # a chain's middle shops are strangers: they share nothing with the holder
        stranger = scheme == "chain" and 0 < j < p["size"] - 1
        if p["shared"] != "none" and not stranger and (j == 0 or rng.random() < 0.9):
            ids[p["shared"]] = common[p["shared"]]
        buyer = scheme == "fake_orders" and j > 0
        kind = "consumer" if buyer else "merchant"
        limit = 50_000_00 if buyer else 1_000_000_00
        member = w.party(kind, f"团伙{k}-{j}", limit=limit, ids=ids, ring=ring, scheme=scheme)
        member.ticket = rng.choice([10_000_00, 30_000_00, 45_000_00])
        members.append(member)
    move: Callable[[], None] = {
        "round_trip": lambda: _round_trip(w, members, p),
        "chain": lambda: _chain(w, members, p),
        "fake_orders": lambda: _fake_order(w, members, p),
        "threshold_split": lambda: _split(w, members, p, suppliers),
        "forbidden_purpose": lambda: _forbidden(w, members, p),
    }[scheme]
    first = START + timedelta(days=1, hours=rng.uniform(8, 20))
    end = START + timedelta(days=w.days - 1)
    t = first
    while t < end:
        w.at(t, move)
        t += timedelta(hours=p["pace"] * rng.uniform(0.98, 1.02))
    for m in members:
        for day in range(0, w.days, 2):
            w.at(START + timedelta(days=day, hours=rng.uniform(8, 9)), w.login, m)
    return members


def _amount(w: World, p: dict[str, Any]) -> int:
    return w.rng.randint(p["low"], p["high"])


def _back(w: World, merchant: Actor, buyer: Actor, amount: int, p: dict[str, Any]) -> None:
    """Money comes back after the ring's delay, as orders the partner pays the merchant."""
    back = int(amount * p["back"])
    pieces = p["pieces"]
    for i in range(pieces):
        when = w.now + timedelta(days=p["delay"], hours=i * 5 + w.rng.uniform(0, 3))
        w.at(when, w.order, merchant, buyer.id, back // pieces)


def _round_trip(w: World, members: list[Actor], p: dict[str, Any]) -> None:
    payer, payee = w.rng.sample(members, 2)
    amount = _amount(w, p)
    body = w.spend(payer, amount, "procurement", counterparty=payee.id, scheme="round_trip")
    if body.get("status") == "captured":
        _back(w, payer, payee, amount, p)


def _chain(w: World, members: list[Actor], p: dict[str, Any]) -> None:
    """holder → shop (→ shop) → the holder's second account, which buys from the holder."""
    holder, *middle, second = members
    amount = _amount(w, p)
    body = w.spend(holder, amount, "procurement", counterparty=middle[0].id, scheme="chain")
    if body.get("status") != "captured":
        return
    hops = [*middle, second]
    share = int(amount * p["back"])
    for i, (payer, payee) in enumerate(pairwise(hops)):
        when = w.now + timedelta(days=p["delay"] * (i + 1) / len(hops), hours=w.rng.uniform(0, 4))
        w.at(when, w.order, payee, payer.id, share)
    when = w.now + timedelta(days=p["delay"], hours=w.rng.uniform(4, 8))
    w.at(when, w.order, holder, second.id, share)


def _fake_order(w: World, members: list[Actor], p: dict[str, Any]) -> None:
    shop, buyers = members[0], members[1:]
    buyer = w.rng.choice(buyers)
    amount = _amount(w, p)
    w.orders += 1
    oid = f"S{w.seed}O{w.orders}"
    body = w.spend(buyer, amount, "purchase", counterparty=shop.id, order=oid, scheme="fake_orders")
    if body.get("status") != "captured":
        return
    creditline.add_order(w.db, shop.id, order_id=oid, amount=body["amount"], buyer=buyer.id)
    when = w.now + timedelta(days=p["refund_days"], hours=w.rng.uniform(-2, 2))
    w.refund_later(body, when, order=oid)


def _split(w: World, members: list[Actor], p: dict[str, Any], suppliers: list[str]) -> None:
    low, high = p["band"]
    threshold = 50_000_00
    target = w.rng.choice(suppliers)
    for m in members:
        for _ in range(p["per_move"]):
            amount = w.rng.randint(int(threshold * low), int(threshold * high))
            w.spend(m, amount, "procurement", counterparty=target, scheme="threshold_split")


def _forbidden(w: World, members: list[Actor], p: dict[str, Any]) -> None:
    m = w.rng.choice(members)
    purpose = w.rng.choice(["withdraw_cash", "transfer_wallet", "transfer_bank"])
    w.spend(m, _amount(w, p), purpose, counterparty=None, scheme="forbidden_purpose")
