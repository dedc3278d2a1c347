"""The simulated marketplace's world (市场模拟): actors, a queue of timed actions on a sandbox
clock, and what every spend attempt turned into, driven through the real use cases.

The honest traffic (``sim_honest``) and the adversary (``sim_schemes``) only schedule actions
here; the world runs them in time order, sets the clock before each and records the outcomes.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import creditline
from creditline import SHANGHAI, Attempted, Database, Money

START = datetime(2025, 3, 3, 0, 0, tzinfo=SHANGHAI)
EVAL_SEEDS = 1000  # seeds from here on are for evaluation only: never trained on
Progress = Callable[[int, int], None]
#: What an identifier set holds; ``login_ip`` is where the actor logs in from.
ID_KINDS = ("device", "phone", "bank_account", "address", "login_ip")


@dataclass
class Actor:
    id: str
    line: str
    kind: str
    ids: dict[str, str]
    look_alike: str = "plain"
    ring: str | None = None
    scheme: str | None = None
    owed: list[tuple[int, int]] = field(default_factory=list)  # (day due, minor)
    ticket: int = 30_000_00  # the largest ordinary procurement of this merchant


@dataclass
class World:
    db: Database
    rng: random.Random
    seed: int
    days: int
    n: int = 0
    queue: list[tuple[datetime, int, Callable[[], object]]] = field(default_factory=list)
    now: datetime = START
    labels: list[tuple[str, str, str, str | None, str | None]] = field(default_factory=list)
    attempts: list[Attempted] = field(default_factory=list)
    truth: dict[str, str | None] = field(default_factory=dict)  # hold -> scheme (None: honest)
    actors: list[Actor] = field(default_factory=list)
    rings: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    orders: int = 0
    stats: dict[str, int] = field(default_factory=dict)

    # -- time ----------------------------------------------------------------------------------
    def key(self) -> str:
        self.n += 1
        return f"sim{self.seed}-{self.n}"

    def at(self, when: datetime, action: Callable[..., object], *args: Any) -> None:
        """Run ``action(*args)`` at ``when`` (actions after the last day are dropped)."""
        if when < START + timedelta(days=self.days):
            self.n += 1
            item: tuple[datetime, int, Callable[[], object]] = (
                when,
                self.n,
                partial(action, *args),
            )
            heapq.heappush(self.queue, item)

    def run(self, progress: Progress | None) -> None:
        last_day = -1
        while self.queue:
            when, _, action = heapq.heappop(self.queue)
            if when != self.now:
                creditline.set_clock(self.db, when.isoformat())
                self.now = when
            action()
            day = (when - START).days
            if progress is not None and day != last_day:
                last_day = day
                progress(day + 1, self.days)

    # -- actors --------------------------------------------------------------------------------
    def ids(self, tag: str) -> dict[str, str]:
        return {kind: f"{kind}-{self.seed}-{tag}" for kind in ID_KINDS}

    def party(
        self,
        kind: str,
        name: str,
        *,
        limit: int,
        ids: dict[str, str],
        look_alike: str = "plain",
        ring: str | None = None,
        scheme: str | None = None,
    ) -> Actor:
        db = self.db
        pid = creditline.add_party(
            db, kind=kind, name=name, credit_score=700 if kind == "consumer" else None
        ).body["id"]
        creditline.verify_party(
            db,
            pid,
            real_name=True,
            qualification=kind == "merchant",
            settlement_account=ids["bank_account"],
        )
        creditline.link(
            db, pid, {k: ids[k] for k in ("device", "phone", "bank_account", "address")}
        )
        product = "merchant_bnpl" if kind == "merchant" else "installment"
        line = creditline.open_line(db, pid, product=product, limit=Money(limit).format()).body[
            "id"
        ]
        creditline.activate_line(db, line)
        self.labels.append(("party", pid, "fraud" if ring else "cleared", scheme, ring))
        actor = Actor(pid, line, kind, ids, look_alike, ring, scheme)
        self.actors.append(actor)
        if ring is not None:
            self.rings.setdefault(ring, (scheme or "", []))[1].append(pid)
        return actor

    # -- what actors do ------------------------------------------------------------------------
    def login(self, actor: Actor) -> None:
        creditline.record_login(
            self.db, actor.id, device=actor.ids["device"], ip=actor.ids["login_ip"]
        )

    def spend(
        self,
        actor: Actor,
        amount: int,
        purpose: str,
        *,
        counterparty: str | None,
        order: str | None = None,
        scheme: str | None = None,
        look_alike: str | None = None,
    ) -> dict[str, Any]:
        """A spend attempt, captured when authorised; its outcome is recorded with its truth."""
        body = creditline.authorize(
            self.db,
            actor.line,
            amount=Money(amount).format(),
            purpose=purpose,
            key=self.key(),
            order=order,
            counterparty=counterparty,
        ).body
        hold = body.get("id")
        if hold is None:
            return body
        outcome = _outcome(body)
        self.truth[hold] = scheme
        fraud = scheme is not None
        if actor.ring is not None and not fraud:
            # a ring member's ordinary business (its cover): neither fraud nor honest, unlabelled
            look_alike = "cover"
        else:
            self.labels.append(("event", hold, "fraud" if fraud else "cleared", scheme, actor.ring))
        self.attempts.append(
            Attempted(
                hold,
                actor.id,
                self.now,
                scheme,
                look_alike or actor.look_alike,
                actor.ring if fraud else None,
                outcome,
            )
        )
        if body.get("status") == "authorized":
            creditline.capture(self.db, hold, amount=None, key=self.key())
            body["status"] = "captured"
        return body

    def order(self, merchant: Actor, buyer: str, amount: int) -> str:
        self.orders += 1
        oid = f"S{self.seed}O{self.orders}"
        creditline.add_order(
            self.db, merchant.id, order_id=oid, amount=Money(amount).format(), buyer=buyer
        )
        return oid

    def refund_later(self, body: dict[str, Any], when: datetime, order: str | None = None) -> None:
        """Refund a captured spend (and return its order) at ``when``."""
        if body.get("status") != "captured":
            return
        hold, amount = body["id"], body["amount"]

        def refund() -> None:
            if order is not None:
                creditline.return_order(self.db, order)
            creditline.refund(self.db, hold, amount=amount, key=self.key())

        self.at(when, refund)


def _outcome(body: dict[str, Any]) -> str:
    """approved, review, declined (the risk engine stopped it, or its freeze did) or refused
    (the quota rules: short of quota, a forbidden purpose, a limit)."""
    status = body.get("status")
    if status == "review":
        return "review"
    if status != "declined":
        return "approved"
    risk = body.get("risk") or {}
    codes = {r.get("code") for r in body.get("reasons", [])}
    if risk.get("outcome") == "decline" or codes & {"risk_declined", "line_frozen"}:
        return "declined"
    return "refused"


def jitter(rng: random.Random, base: datetime, hours: float) -> datetime:
    """``base`` plus up to ``hours`` of random minutes."""
    return base + timedelta(minutes=rng.randint(0, int(hours * 60)))
