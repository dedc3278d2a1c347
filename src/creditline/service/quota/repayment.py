"""Repayment (还款) of a line: its occupancy oldest first, then its late fees (滞纳金).

A holder's ``repay`` and split settlement (分账) both repay through here, so both lift the
over-long-occupancy freeze once nothing overdue is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from creditline.domain.money import Money
from creditline.domain.quota.freezes import Freeze, FreezeReason, FreezeStatus
from creditline.domain.quota.lines import (
    allocate_repayment,
    fee_payment_transfers,
    repayment_transfers,
)
from creditline.domain.quota.purposes import Product
from creditline.service.ids import new_child_id, new_id
from creditline.service.quota.line_book import balances_json, post_movement
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Repayment:
    """What one repayment of a line did, and the line after it."""

    id: str
    allocations: tuple[tuple[str, Money], ...]  # (occupancy, part), oldest first
    fees: Money
    lifted_freezes: tuple[str, ...]
    line: LockedLine
    orders: dict[str, str | None] = field(default_factory=dict)  # occupancy -> its order

    @property
    def occupancy(self) -> Money:
        """What went to occupancy."""
        return Money.total((part for _, part in self.allocations), self.fees.currency)

    @property
    def used(self) -> Money:
        return self.occupancy + self.fees

    def to_json(self, amount: Money) -> dict[str, Any]:
        """What the repayment paid: occupancy per order, oldest first, then late fees."""
        return {
            "id": self.id,
            "line": self.line.state.id,
            "amount": amount.format(),
            "allocations": [
                {"occupancy": occupancy, "order": self.orders.get(occupancy), "amount": p.format()}
                for occupancy, p in self.allocations
            ],
            "paid": {"occupancy": self.occupancy.format(), "fees": self.fees.format()},
            "lifted_freezes": list(self.lifted_freezes),
            "balances": balances_json(self.line.state.balances),
        }


def repay_line(uow: UnitOfWork, locked: LockedLine, amount: Money, now: datetime) -> Repayment:
    """Repay up to ``amount`` of the locked line, inside the caller's transaction: its
    occupancy oldest first, then its late fees; ``used`` says how much of ``amount`` that took.
    Occupancy and fees are two movements, so a statement shows each on its own line."""
    line_id = locked.state.id
    repayment_id = new_child_id("rep", line_id)
    parts: list[tuple[str, Money]] = []
    lifted: list[str] = []
    line = locked
    occupancies = uow.holds.open_occupancies(line_id)
    rows = Money.total((o.outstanding for o in occupancies), amount.currency)
    to_occupancy = amount.min(rows)
    orders: dict[str, str | None] = {}
    if to_occupancy.is_positive:
        orders = {o.id: o.order_id for o in occupancies}
        parts = allocate_repayment(to_occupancy, occupancies)
        line = line.moved_to(
            post_movement(uow, line, repayment_id, repayment_transfers(parts), now)
        )
        for occupancy_id, part in parts:
            uow.holds.reduce_occupancy(line_id, occupancy_id, part)
        lifted = lift_settled_occupancy_freezes(uow, line_id, now)
    repaid = Money.total((part for _, part in parts), amount.currency)
    fees = (amount - repaid).min(line.state.balances.fees_due - plan_fees_owed(uow, locked))
    if fees.is_positive:  # no empty movement: it would sweep the frozen account on its own
        transfers = fee_payment_transfers(fees, locked.state.party_id)
        line = line.moved_to(post_movement(uow, line, new_id("feepay"), transfers, now))
    return Repayment(repayment_id, tuple(parts), fees, tuple(lifted), line, orders)


def plan_fees_owed(uow: UnitOfWork, locked: LockedLine) -> Money:
    """The fees and late fees the line's installment plans (分期) owe: a plan is repaid by its
    own repayment, never by the line's ``repay`` or a split's repayment share."""
    if locked.state.product is not Product.INSTALLMENT:
        return Money.zero(locked.state.currency)
    plans = uow.installments.plans_of(locked.state.id)
    return Money.total((p.owed_fees for p in plans), locked.state.currency)


def repayable(uow: UnitOfWork, locked: LockedLine) -> tuple[Money, Money]:
    """What the line's ``repay`` can pay: its occupancy rows' outstanding, and its late fees
    other than the plans'."""
    rows = Money.total(
        (o.outstanding for o in uow.holds.open_occupancies(locked.state.id)), locked.state.currency
    )
    return rows, locked.state.balances.fees_due - plan_fees_owed(uow, locked)


def repay_party(uow: UnitOfWork, party_id: str, amount: Money, now: datetime) -> Money:
    """Repay the party's lines, oldest line first, with up to ``amount`` (the repayment share
    of a split); returns what was used, the rest being the party's own."""
    left = amount
    for line_id in uow.lines.lines_of_party(party_id):
        if not left.is_positive:
            break
        left -= repay_line(uow, uow.lines.lock_line(line_id), left, now).used
    return amount - left


def standing_freezes(uow: UnitOfWork, line_id: str, reason: FreezeReason) -> list[Freeze]:
    """The line's freezes in force for ``reason``."""
    return [f for f in uow.freezes.freezes_of(line_id, active_only=True) if f.reason is reason]


def lift_repaid(uow: UnitOfWork, freezes: list[Freeze], note: str, now: datetime) -> list[str]:
    """Lift ``freezes``: what they stood for was repaid (an event each)."""
    for f in freezes:
        uow.freezes.close_freeze(f.line_id, f.id, FreezeStatus.LIFTED, note, now)
        uow.events.emit(
            "freeze.lifted",
            {"freeze": f.id, "reason": f.reason.value, "by": "repayment"},
            now,
            line_id=f.line_id,
        )
    return [f.id for f in freezes]


def lift_settled_occupancy_freezes(uow: UnitOfWork, line_id: str, now: datetime) -> list[str]:
    """Lift the line's occupancy freezes when no occupancy is over the policy limit any more."""
    freezes = standing_freezes(uow, line_id, FreezeReason.OCCUPANCY)
    if not freezes:
        return []
    limit = timedelta(days=uow.reference.policy(now).integer("occupancy_limit_days"))
    if any(now - o.captured_at > limit for o in uow.holds.open_occupancies(line_id)):
        return []
    return lift_repaid(uow, freezes, "overdue occupancy repaid", now)
