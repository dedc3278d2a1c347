"""Honest traffic of the simulated marketplace (诚实用户), look-alikes of fraud included: families
sharing a tablet and returning ~15 % of what they buy, a shop owner's relatives buying at the
shop on the owner's tablet, suppliers who also buy from their customers in one market building,
next-door shops sharing an address and buying from each other, busy shops with 30 % honest
refunds, offices sharing an address and a Wi-Fi whose tenants trade; and the plain merchants
and shoppers around them. Every size and rate is
drawn from a range on each seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import creditline
from creditline import Money
from creditline.entrypoints.cli.sim_world import START, Actor, World, jitter

LOOK_ALIKES = ("family", "family_shop", "supplier_customer", "neighbours", "busy_shop", "office")


@dataclass
class Honest:
    merchants: list[Actor] = field(default_factory=list)
    shoppers: list[Actor] = field(default_factory=list)
    busy: list[Actor] = field(default_factory=list)
    partner: dict[str, Actor] = field(default_factory=dict)  # merchant -> its trading partner
    office: list[Actor] = field(default_factory=list)
    owner_shop: dict[str, Actor] = field(default_factory=dict)  # relative -> the family's shop
    suppliers: list[str] = field(default_factory=list)


def build(w: World, merchants: int) -> Honest:  # noqa: C901, PLR0912 - read in order
    """The honest population; the look-alikes take their share of it."""
    rng = w.rng
    h = Honest(suppliers=[f"sup-{w.seed}-{j}" for j in range(max(5, merchants // 4))])
    office_size = rng.randint(10, 40)
    office_ip, office_addr = f"10.{w.seed % 250}.0.1", f"address-{w.seed}-office"
    building = f"address-{w.seed}-market"
    for i in range(merchants):
        ids = w.ids(f"m{i}")
        kind = "plain"
        if i < min(office_size, merchants // 3):
            kind, ids["address"], ids["login_ip"] = "office", office_addr, office_ip
        elif i % 9 in {1, 2} and i > merchants // 3:
            kind, ids["address"] = "supplier_customer", building
        elif i % 17 == 5:
            kind = "busy_shop"
        elif i % 10 == 4 and h.merchants and h.merchants[-1].look_alike == "plain":
            # next-door shops sharing an address, who buy stock from each other
            kind, ids["address"] = "neighbours", h.merchants[-1].ids["address"]
            h.merchants[-1].look_alike = "neighbours"
        limit = rng.choice([200_000_00, 500_000_00, 1_000_000_00])
        m = w.party("merchant", f"商家{i}", limit=limit, ids=ids, look_alike=kind)
        m.ticket = rng.choice([10_000_00, 30_000_00, 30_000_00, 45_000_00])
        h.merchants.append(m)
        if kind == "busy_shop":
            h.busy.append(m)
    for kind in ("supplier_customer", "neighbours"):
        pairs = [m for m in h.merchants if m.look_alike == kind]
        for a, b in zip(pairs[::2], pairs[1::2], strict=False):
            h.partner[a.id], h.partner[b.id] = b, a
    h.office = [m for m in h.merchants if m.look_alike == "office"]
    plain = [m for m in h.merchants if m.look_alike == "plain"]
    family: list[Actor] = []
    for i in range(merchants):
        ids = w.ids(f"c{i}")
        kind = "plain"
        if i % 15 == 7 and plain:  # the shop owner's relative, on the owner's tablet
            owner = rng.choice(plain)
            kind, ids["device"] = "family_shop", owner.ids["device"]
        elif family and len(family) < rng.randint(2, 4) and rng.random() < 0.6:
            kind = "family"
            ids["device"], ids["address"] = family[0].ids["device"], family[0].ids["address"]
        elif rng.random() < 0.3:
            family = []
            kind = "family"
        limit = rng.choice([5_000_00, 20_000_00, 50_000_00])
        s = w.party("consumer", f"顾客{i}", limit=limit, ids=ids, look_alike=kind)
        if kind == "family_shop":
            h.owner_shop[s.id] = owner
        if kind == "family":
            family.append(s)
        h.shoppers.append(s)
    for day in range(w.days):
        w.at(START + timedelta(days=day, hours=8), _day, w, h, day)
    return h


def _day(w: World, h: Honest, day: int) -> None:  # noqa: C901 - one day, read in order
    """Schedule one day of honest life."""
    rng, base = w.rng, START + timedelta(days=day)
    for actor in [*h.merchants, *h.shoppers]:
        if rng.random() < 0.5:
            w.at(jitter(rng, base + timedelta(hours=8), 1), w.login, actor)
    for m in h.merchants:
        if rng.random() < 0.5:
            w.at(jitter(rng, base + timedelta(hours=10), 6), _procure, w, h, m)
        if rng.random() < 0.004:  # now and then a large order just under the threshold
            amount = rng.randint(45_000_00, 49_999_00)
            w.at(jitter(rng, base + timedelta(hours=10), 6), _spend_keep, w, m, amount, h)
        if rng.random() < 0.002:  # a one-off try at cash (the quota rules refuse it)
            amount = rng.randint(1_000_00, 5_000_00)
            when = jitter(rng, base + timedelta(hours=10), 6)
            w.at(when, partial(w.spend, counterparty=None), m, amount, "withdraw_cash")
        for _ in range(rng.randint(1, 2)):
            w.at(jitter(rng, base + timedelta(hours=9), 10), _sale, w, h, m)
        partner = h.partner.get(m.id)
        if partner is not None and rng.random() < 0.15:  # the supplier buys from its customer
            amount = rng.randint(100_00, 2_000_00)
            w.at(jitter(rng, base + timedelta(hours=11), 6), w.order, m, partner.id, amount)
        if any(d <= day for d, _ in m.owed):
            w.at(base + timedelta(hours=18), _repay, w, m, day)
    for s in h.shoppers:
        if rng.random() < 0.3:
            w.at(jitter(rng, base + timedelta(hours=12), 9), _shop, w, h, s)


def _procure(w: World, h: Honest, m: Actor) -> None:
    rng = w.rng
    partner = h.partner.get(m.id)
    if partner is not None and rng.random() < 0.4:
        cp, kind = partner.id, m.look_alike
    elif m.look_alike == "office" and len(h.office) > 1 and rng.random() < 0.15:
        cp, kind = rng.choice([o for o in h.office if o is not m]).id, "office"
    else:
        cp, kind = rng.choice(h.suppliers), m.look_alike
    amount = rng.randint(500_00, m.ticket)
    body = w.spend(
        m, amount, rng.choice(["procurement", "logistics"]), counterparty=cp, look_alike=kind
    )
    if body.get("status") == "captured":
        m.owed.append(((w.now - START).days + rng.randint(3, 9), amount))


def _spend_keep(w: World, m: Actor, amount: int, h: Honest) -> None:
    body = w.spend(m, amount, "procurement", counterparty=w.rng.choice(h.suppliers))
    if body.get("status") == "captured":
        m.owed.append(((w.now - START).days + 7, amount))


def _repay(w: World, m: Actor, day: int) -> None:
    due = sum(a for d, a in m.owed if d <= day)
    m.owed = [o for o in m.owed if o[0] > day]
    if due:
        creditline.repay(w.db, m.line, amount=Money(due).format(), key=w.key())


def _sale(w: World, h: Honest, m: Actor) -> None:
    rng = w.rng
    buyer = rng.choice(h.shoppers)
    oid = w.order(m, buyer.id, rng.randint(50_00, 2_000_00))
    if rng.random() < 0.04:
        w.at(w.now + timedelta(days=1), creditline.return_order, w.db, oid)


def _shop(w: World, h: Honest, s: Actor) -> None:
    rng = w.rng
    owner = h.owner_shop.get(s.id)
    if owner is not None and rng.random() < 0.5:  # a relative buys at the family's shop
        w.spend(s, rng.randint(50_00, 1_500_00), "purchase", counterparty=owner.id)
        return
    busy = h.busy and rng.random() < 0.35
    shop = rng.choice(h.busy) if busy else rng.choice(h.merchants)
    kind = "busy_shop" if busy else s.look_alike
    body = w.spend(
        s, rng.randint(100_00, 3_000_00), "purchase", counterparty=shop.id, look_alike=kind
    )
    rate = 0.3 if busy else (0.15 if s.look_alike == "family" else 0.03)
    if rng.random() < rate:
        w.refund_later(body, w.now + timedelta(days=rng.randint(1, 3 if busy else 7)))
