"""A marketplace simulator (市场模拟): honest merchants and shoppers, plus cash-out (套现) rings
of known patterns, with labels, driven through the real use cases on a sandbox clock.

Patterns: ``round_trip`` (spend to a linked merchant, money comes back as an order),
``fake_orders`` (shoppers buy from a linked merchant, the order is returned quickly),
``threshold_split`` (bursts of spends just under the large-spend threshold) and
``forbidden_purpose`` (repeated attempts to take quota as cash). Honest noise is built in:
neighbours sharing an address and trading, families sharing a device, a family shop, a one-off
forbidden attempt, a one-off spend near the threshold, new IPs.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import creditline
from creditline import PATTERNS, SHANGHAI, Answer, Database, Money
from creditline.entrypoints.cli.access_cmds import operator_or_demo

START = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)
Progress = Callable[[int, int], None]


@dataclass
class Actor:
    id: str
    line: str
    kind: str
    device: str
    ip: str
    ring: str | None = None
    pattern: str | None = None
    owed: list[tuple[int, int]] = field(default_factory=list)  # (day due, minor)


@dataclass
class Sim:
    db: Database
    rng: random.Random
    seed: int
    n: int = 0
    labels: list[tuple[str, str, str, str | None, str | None]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def key(self) -> str:
        self.n += 1
        return f"sim{self.seed}-{self.n}"

    def label_event(self, subject: str | None, actor: Actor, pattern: str | None = None) -> None:
        if subject is None:
            return
        fraud = pattern is not None
        self.labels.append(("event", subject, "fraud" if fraud else "cleared", pattern, actor.ring))
        self.stats["fraud_events" if fraud else "honest_events"] = (
            self.stats.get("fraud_events" if fraud else "honest_events", 0) + 1
        )


def _money(minor: int) -> str:
    return Money(minor).format()


def _party(
    sim: Sim,
    kind: str,
    name: str,
    *,
    limit: int,
    ids: dict[str, str],
    ring: str | None = None,
    pattern: str | None = None,
) -> Actor:
    db = sim.db
    pid = creditline.add_party(
        db, kind=kind, name=name, credit_score=700 if kind == "consumer" else None
    ).body["id"]
    creditline.verify_party(
        db, pid, real_name=True, qualification=kind == "merchant", settlement_account=ids["bank"]
    )
    creditline.link(
        db,
        pid,
        {
            "device": ids["device"],
            "phone": ids["phone"],
            "bank_account": ids["bank"],
            "address": ids["address"],
        },
    )
    product = "merchant_bnpl" if kind == "merchant" else "installment"
    line = creditline.open_line(db, pid, product=product, limit=_money(limit)).body["id"]
    creditline.activate_line(db, line)
    sim.labels.append(("party", pid, "fraud" if ring else "cleared", pattern, ring))
    return Actor(
        pid, line, kind, ids["device"], f"10.{sim.seed % 200}.{sim.n % 250}.1", ring, pattern
    )


def _ids(tag: str) -> dict[str, str]:
    return {
        "device": f"dev-{tag}",
        "phone": f"phone-{tag}",
        "bank": f"bank-{tag}",
        "address": f"addr-{tag}",
    }


def _spend(
    sim: Sim,
    actor: Actor,
    amount: int,
    purpose: str,
    *,
    counterparty: str | None,
    order: str | None = None,
    pattern: str | None = None,
    capture: bool = True,
) -> dict[str, Any]:
    body = creditline.authorize(
        sim.db,
        actor.line,
        amount=_money(amount),
        purpose=purpose,
        key=sim.key(),
        order=order,
        counterparty=counterparty,
    ).body
    sim.label_event(body.get("id"), actor, pattern)
    if capture and body.get("status") == "authorized":
        creditline.capture(sim.db, body["id"], amount=None, key=sim.key())
        body["status"] = "captured"
    return body


def _login(sim: Sim, actor: Actor, *, new_ip: bool = False) -> None:
    ip = f"172.{sim.rng.randint(0, 255)}.{sim.rng.randint(0, 255)}.9" if new_ip else actor.ip
    body = creditline.record_login(sim.db, actor.id, device=actor.device, ip=ip).body
    if actor.ring is None:  # a ring member's login is neither fraud nor cleared: unlabelled
        sim.label_event(body.get("id"), actor)


def simulate(  # noqa: C901, PLR0912, PLR0915 - a scripted day reads top to bottom
    db: Database,
    *,
    merchants: int,
    days: int,
    seed: int,
    fraud_rings: int,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the simulation into ``db`` (a sandbox) and return what was made."""
    rng = random.Random(seed)
    sim = Sim(db, rng, seed)
    creditline.set_clock(db, START.isoformat())
    honest_m: list[Actor] = []
    for i in range(merchants):
        tag = f"s{seed}m{i}"
        ids = _ids(tag)
        if i % 10 == 3 and honest_m:  # neighbours in one building share an address
            ids["address"] = f"addr-s{seed}m{i - 1}"
        limit = rng.choice([200_000_00, 500_000_00, 1_000_000_00])
        honest_m.append(_party(sim, "merchant", f"商家{i}", limit=limit, ids=ids))
    neighbours = {honest_m[i].id: honest_m[i - 1] for i in range(merchants) if i % 10 == 3 and i}
    shoppers: list[Actor] = []
    family_shop: dict[str, Actor] = {}
    for i in range(merchants):
        tag = f"s{seed}c{i}"
        ids = _ids(tag)
        if i % 10 == 5 and shoppers:  # a family shares an address
            ids["address"] = f"addr-s{seed}c{i - 1}"
        if i % 25 == 7 and shoppers:  # a family shares a tablet
            ids["device"] = f"dev-s{seed}c{i - 1}"
        if i % 40 == 11:  # the owner's family buys at the family shop
            ids["device"] = f"dev-s{seed}m{i % merchants}"
        limit = rng.choice([5_000_00, 20_000_00, 50_000_00])
        shopper = _party(sim, "consumer", f"顾客{i}", limit=limit, ids=ids)
        shoppers.append(shopper)
        if i % 40 == 11:
            family_shop[shopper.id] = honest_m[i % merchants]
    rings: list[list[Actor]] = []
    for k in range(fraud_rings):
        pattern = PATTERNS[k % len(PATTERNS)]
        ring_id = f"sim{seed}-ring{k}"
        members: list[Actor] = []
        size = 3
        for j in range(size + (1 if pattern == "fake_orders" else 0)):
            tag = f"s{seed}r{k}x{j}"
            ids = _ids(tag)
            ids["device"] = f"dev-s{seed}r{k}"  # one phone farm
            if j % 2 == 0:
                ids["phone"] = f"phone-s{seed}r{k}"
            kind = "consumer" if pattern == "fake_orders" and j > 0 else "merchant"
            limit = 1_000_000_00 if kind == "merchant" else 20_000_00
            members.append(
                _party(
                    sim, kind, f"团伙{k}-{j}", limit=limit, ids=ids, ring=ring_id, pattern=pattern
                )
            )
        rings.append(members)
    suppliers = [f"sup-{seed}-{j}" for j in range(max(5, merchants // 4))]
    order_no = 0
    pending_returns: list[tuple[int, str]] = []
    pending_money_back: list[tuple[int, Actor, Actor, int]] = []
    pending_refunds: list[tuple[int, str, int]] = []
    everyone = [*honest_m, *shoppers, *(a for r in rings for a in r)]
    for day in range(days):
        base = START + timedelta(days=day)
        # 09:00 logins
        creditline.set_clock(db, (base + timedelta(minutes=1)).isoformat())
        for actor in everyone:
            _login(sim, actor, new_ip=rng.random() < 0.05)
        # 10:00 honest merchants buy stock, sell, repay
        creditline.set_clock(db, (base + timedelta(hours=1)).isoformat())
        for m in honest_m:
            if rng.random() < 0.5:
                other = neighbours.get(m.id)
                trade = other is not None and rng.random() < 0.2
                cp = other.id if other is not None and trade else rng.choice(suppliers)
                amount = rng.randint(500_00, 30_000_00)
                body = _spend(
                    sim, m, amount, rng.choice(["procurement", "logistics"]), counterparty=cp
                )
                if body.get("status") == "captured":
                    m.owed.append((day + rng.randint(3, 9), amount))
            if rng.random() < 0.004:
                _spend(
                    sim,
                    m,
                    rng.randint(45_000_00, 49_999_00),
                    "procurement",
                    counterparty=rng.choice(suppliers),
                )
            if rng.random() < 0.002:
                _spend(
                    sim,
                    m,
                    rng.randint(1_000_00, 5_000_00),
                    rng.choice(["withdraw_cash", "transfer_bank"]),
                    counterparty=None,
                )
            for _ in range(rng.randint(1, 2)):
                order_no += 1
                oid = f"S{seed}O{order_no}"
                buyer = rng.choice(shoppers)
                creditline.add_order(
                    db,
                    m.id,
                    order_id=oid,
                    amount=_money(rng.randint(50_00, 2_000_00)),
                    buyer=buyer.id,
                )
                if rng.random() < 0.04:
                    pending_returns.append((day + 1, oid))
            due = [o for o in m.owed if o[0] <= day]
            if due:
                m.owed = [o for o in m.owed if o[0] > day]
                creditline.repay(db, m.line, amount=_money(sum(a for _, a in due)), key=sim.key())
        # 14:00 shoppers buy
        creditline.set_clock(db, (base + timedelta(hours=5)).isoformat())
        for s in shoppers:
            shop = family_shop.get(s.id)
            if shop is not None and rng.random() < 0.1:
                _spend(sim, s, rng.randint(100_00, 1_000_00), "purchase", counterparty=shop.id)
            elif rng.random() < 0.3:
                body = _spend(
                    sim,
                    s,
                    rng.randint(100_00, 3_000_00),
                    "purchase",
                    counterparty=rng.choice(honest_m).id,
                )
                if body.get("status") == "captured" and rng.random() < 0.03:
                    pending_refunds.append((day + 2, body["id"], Money.parse(body["amount"]).minor))
        # 15:00 fraud
        creditline.set_clock(db, (base + timedelta(hours=6)).isoformat())
        if 1 <= day < days - 1:
            for members in rings:
                order_no = _fraud_day(
                    sim,
                    members,
                    day,
                    order_no,
                    suppliers,
                    pending_money_back,
                    pending_returns,
                    pending_refunds,
                )
        # 20:00 returns, refunds, money coming back
        creditline.set_clock(db, (base + timedelta(hours=11)).isoformat())
        for _when, oid in [r for r in pending_returns if r[0] == day]:
            creditline.return_order(db, oid)
        for _, hold, amount in [r for r in pending_refunds if r[0] == day]:
            creditline.refund(db, hold, amount=_money(amount), key=sim.key())
        for _when, merchant, buyer, amount in [r for r in pending_money_back if r[0] == day]:
            order_no += 1
            creditline.add_order(
                db,
                merchant.id,
                order_id=f"S{seed}O{order_no}",
                amount=_money(amount),
                buyer=buyer.id,
            )
        if progress is not None:
            progress(day + 1, days)
    sim.stats.update(
        {
            "merchants": merchants,
            "shoppers": len(shoppers),
            "rings": fraud_rings,
            "ring_members": sum(len(r) for r in rings),
            "orders": order_no,
        }
    )
    return {"labels": sim.labels, "stats": sim.stats, "start": START.isoformat()}


def _fraud_day(
    sim: Sim,
    members: list[Actor],
    day: int,
    order_no: int,
    suppliers: list[str],
    money_back: list[tuple[int, Actor, Actor, int]],
    returns: list[tuple[int, str]],
    refunds: list[tuple[int, str, int]],
) -> int:
    """One day of a ring's scheme; returns the last order number used."""
    rng = sim.rng
    pattern = members[0].pattern
    if pattern == "round_trip" and day % 2 == 1:
        payer, payee = rng.sample(members, 2)
        amount = rng.randint(10_000_00, 40_000_00)
        _spend(sim, payer, amount, "procurement", counterparty=payee.id, pattern=pattern)
        # the payee "buys" from the payer: the quota comes back as sales proceeds
        money_back.append((day + rng.randint(1, 2), payer, payee, amount * 97 // 100))
    elif pattern == "fake_orders":
        shop, buyers = members[0], members[1:]
        buyer = rng.choice(buyers)
        order_no += 1
        oid = f"S{sim.seed}O{order_no}"
        amount = rng.randint(2_000_00, 5_000_00)
        body = _spend(
            sim, buyer, amount, "purchase", counterparty=shop.id, order=oid, pattern=pattern
        )
        creditline.add_order(sim.db, shop.id, order_id=oid, amount=_money(amount), buyer=buyer.id)
        returns.append((day + 1, oid))
        if body.get("status") == "captured":
            refunds.append((day + 1, body["id"], amount))
    elif pattern == "threshold_split" and day % 3 == 1:
        target = rng.choice(suppliers)
        for m in members:
            for _ in range(4):
                _spend(
                    sim,
                    m,
                    rng.randint(45_000_00, 49_990_00),
                    "procurement",
                    counterparty=target,
                    pattern=pattern,
                )
    elif pattern == "forbidden_purpose" and day % 2 == 0:
        m = rng.choice(members)
        for _ in range(2):
            _spend(
                sim,
                m,
                rng.randint(5_000_00, 20_000_00),
                rng.choice(["withdraw_cash", "transfer_wallet", "transfer_bank"]),
                counterparty=None,
                pattern=pattern,
            )
    return order_no


def label_and_find(
    db: Database, made: dict[str, Any], *, seed: int, operator: str | None, progress: Progress
) -> dict[str, Any]:
    """A risk officer's part, audited: store the run's labels, then run the ring job. The
    officer is the operator ``--as`` names, else the demo's ``risk-li``."""
    officer = operator_or_demo(db, operator, "risk.rules", "risk-li")
    source = f"simulator:{seed}"

    def label(d: Database) -> Answer:
        return Answer({"labels": creditline.store_labels(d, made["labels"], source=source)})

    def find(d: Database) -> Answer:
        return creditline.rings(d, progress=lambda _stage, i, n: progress(i, n))

    creditline.act(db, officer, "risk.rules", label, target=source)
    return creditline.act(db, officer, "risk.analyse", find, target="all").body
