"""In-memory fake of the installments port (see ``tests/fakes.py``): plans, entries and
promotions kept in the fake state's own attributes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from creditline.domain.errors import NotFound
from creditline.domain.installments.plans import Plan
from creditline.domain.installments.promotions import Promotion, PromotionStatus
from creditline.domain.installments.schedule import AnnualRate
from creditline.domain.money import Money

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeInstallments:
    """The ``installments`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _kept(self, name: str) -> dict[Any, Any]:
        kept: dict[Any, Any] = self.s.__dict__.setdefault(name, {})
        return kept

    def insert_plan(
        self, plan: Plan, *, apr: AnnualRate, policy_version: str, now: datetime
    ) -> None:
        self._kept("plans")[plan.line_id, plan.id] = plan
        self._kept("plan_facts")[plan.line_id, plan.id] = {
            "apr": str(apr.nominal),
            "apr_effective": str(apr.effective),
            "policy_version": policy_version,
            "created_at": now,
            "updated_at": now,
        }

    def save_plan(self, plan: Plan, now: datetime) -> None:
        self._kept("plans")[plan.line_id, plan.id] = plan
        self._kept("plan_facts")[plan.line_id, plan.id]["updated_at"] = now

    def get_plan(self, line_id: str, plan_id: str) -> Plan:
        found = self._kept("plans").get((line_id, plan_id))
        if found is None:
            raise NotFound("plan", f"plan: no such plan {plan_id[:80]!r}")
        return found  # type: ignore[no-any-return]

    def plan_facts(self, line_id: str, plan_id: str) -> dict[str, Any]:
        self.get_plan(line_id, plan_id)
        return dict(self._kept("plan_facts")[line_id, plan_id])

    def plans_of(self, line_id: str) -> list[Plan]:
        facts = self._kept("plan_facts")
        found = [p for (line, _), p in self._kept("plans").items() if line == line_id]
        return sorted(found, key=lambda p: (facts[p.line_id, p.id]["created_at"], p.id))

    def plan_of_order(self, order_id: str) -> Plan | None:
        return next((p for p in self._kept("plans").values() if p.order_id == order_id), None)

    def lines_with_owed_periods(self, due_before: date, limit: int) -> list[str]:
        lines = {
            p.line_id
            for p in self._kept("plans").values()
            for q in p.periods
            if q.owed_base.is_positive and q.due_on < due_before
        }
        return sorted(lines)[:limit]

    def add_entry(
        self,
        plan: Plan,
        *,
        entry_id: str,
        kind: str,
        amount: int,
        detail: dict[str, Any],
        now: datetime,
    ) -> None:
        entry = {"id": entry_id, "kind": kind, "amount": amount, "detail": detail}
        self._kept("plan_entries").setdefault((plan.line_id, plan.id), []).append(
            {**entry, "created_at": now}
        )

    def entries_of(self, line_id: str, plan_id: str) -> list[dict[str, Any]]:
        return list(self._kept("plan_entries").get((line_id, plan_id), []))

    def insert_promotion(self, promotion: Promotion) -> None:
        self._kept("promotions")[promotion.id] = promotion

    def get_promotion(self, promotion_id: str, *, lock: bool = False) -> Promotion:
        found = self._kept("promotions").get(promotion_id)
        if found is None:
            raise NotFound("promotion", f"promotion: no such promotion {promotion_id[:80]!r}")
        return found  # type: ignore[no-any-return]

    def promotions_of(self, merchant_id: str) -> list[Promotion]:
        found = [p for p in self._kept("promotions").values() if p.merchant_id == merchant_id]
        return sorted(found, key=lambda p: (p.created_at, p.id), reverse=True)

    def use_promotion(self, promotion_id: str, amount: int) -> None:
        found = self.get_promotion(promotion_id)
        used = Money(found.used.minor + amount, found.used.currency)
        self._kept("promotions")[promotion_id] = replace(found, used=used)

    def end_promotion(self, promotion_id: str, now: datetime) -> None:
        found = self.get_promotion(promotion_id)
        if found.status is PromotionStatus.ACTIVE:
            self._kept("promotions")[promotion_id] = replace(
                found, status=PromotionStatus.ENDED, ended_at=now
            )
