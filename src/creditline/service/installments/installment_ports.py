"""The port of installments (分期购): plans with their periods and entries, kept by line, and
merchants' interest-free promotions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from creditline.domain.installments.plans import Plan
from creditline.domain.installments.promotions import Promotion
from creditline.domain.installments.schedule import AnnualRate


class InstallmentRepo(Protocol):
    def insert_plan(
        self, plan: Plan, *, apr: AnnualRate, policy_version: str, now: datetime
    ) -> None:
        """Store a new plan with its periods."""

    def save_plan(self, plan: Plan, now: datetime) -> None:
        """Store the plan's status, returns and every period as they stand now."""

    def get_plan(self, line_id: str, plan_id: str) -> Plan:
        """One plan with its periods (NotFound if none)."""

    def plan_facts(self, line_id: str, plan_id: str) -> dict[str, Any]:
        """What the plan row keeps beside the plan: apr, apr_effective, policy_version,
        created_at, updated_at (NotFound if none)."""

    def plans_of(self, line_id: str) -> list[Plan]:
        """The line's plans, oldest first."""

    def plan_of_order(self, order_id: str) -> Plan | None:
        """The plan that paid for ``order_id``, if any."""

    def lines_with_owed_periods(self, due_before: date, limit: int) -> list[str]:
        """Lines with a period still owing principal or fee whose due date is before
        ``due_before``, in line order."""

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
        """Record what one operation did to a plan (purchase, repay, late_fee, return...)."""

    def entries_of(self, line_id: str, plan_id: str) -> list[dict[str, Any]]:
        """The plan's entries, oldest first: id, kind, amount (minor), detail, created_at."""

    def insert_promotion(self, promotion: Promotion) -> None:
        """Store a new promotion."""

    def get_promotion(self, promotion_id: str, *, lock: bool = False) -> Promotion:
        """One promotion (NotFound if none), locked for update with ``lock``."""

    def promotions_of(self, merchant_id: str) -> list[Promotion]:
        """The merchant's promotions, newest first."""

    def use_promotion(self, promotion_id: str, amount: int) -> None:
        """Commit ``amount`` (minor) more of the promotion's cap (negative: give it back)."""

    def end_promotion(self, promotion_id: str, now: datetime) -> None:
        """Mark an active promotion ended."""
