"""SQL of the installments port: plans (分期计划) with their periods and entries, keyed by line,
and merchants' interest-free promotions (商家贴息)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select, update

from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.errors import NotFound
from creditline.domain.installments.plans import Period, Plan, PlanStatus
from creditline.domain.installments.promotions import Promotion, PromotionStatus
from creditline.domain.installments.schedule import AnnualRate
from creditline.domain.money import Money

_pl = t.installment_plans
_pe = t.installment_periods
_en = t.installment_entries
_pr = t.installment_promotions

_MONEY_FIELDS = (
    "principal",
    "fee",
    "paid_principal",
    "paid_fee",
    "waived_fee",
    "late_fee",
    "paid_late_fee",
)


def _period_row(plan: Plan, p: Period) -> dict[str, Any]:
    return {
        "line_id": plan.line_id,
        "plan_id": plan.id,
        "number": p.number,
        "starts_on": p.starts_on,
        "due_on": p.due_on,
        **{name: getattr(p, name).minor for name in _MONEY_FIELDS},
        "late_fee_through": p.late_fee_through,
        "dunned": p.dunned,
        "score_lowered": p.score_lowered,
        "owed": p.owed_base.minor,
    }


def _period(r: Any, currency: str) -> Period:
    return Period(
        number=r.number,
        starts_on=r.starts_on,
        due_on=r.due_on,
        **{name: Money(int(getattr(r, name)), currency) for name in _MONEY_FIELDS},
        late_fee_through=r.late_fee_through,
        dunned=r.dunned,
        score_lowered=bool(r.score_lowered),
    )


def _plan(r: Any, periods: Iterable[Any]) -> Plan:
    c = r.currency
    return Plan(
        id=r.id,
        line_id=r.line_id,
        party_id=r.party_id,
        merchant_id=r.merchant_id,
        order_id=r.order_id,
        hold_id=r.hold_id,
        amount=Money(int(r.amount), c),
        periods=tuple(_period(p, c) for p in sorted(periods, key=lambda p: p.number)),
        fee_rate=r.fee_rate,
        status=PlanStatus(r.status),
        promotion_id=r.promotion_id,
        merchant_fee=None if r.merchant_fee is None else Money(int(r.merchant_fee), c),
        returned=Money(int(r.returned), c),
        released=Money(int(r.released), c),
        refunded=Money(int(r.refunded), c),
    )


def _promotion(r: Any) -> Promotion:
    return Promotion(
        id=r.id,
        merchant_id=r.merchant_id,
        name=r.name,
        tenors=tuple(int(x) for x in r.periods.split(",")),
        starts_on=r.starts_on,
        ends_on=r.ends_on,
        cap=Money(int(r.cap), r.currency),
        used=Money(int(r.used), r.currency),
        status=PromotionStatus(r.status),
        created_at=r.created_at,
        ended_at=r.ended_at,
    )


class SqlInstallments(SqlRepo):
    """The ``installments`` port on SQL."""

    def insert_plan(
        self, plan: Plan, *, apr: AnnualRate, policy_version: str, now: datetime
    ) -> None:
        self._exec(
            insert(_pl),
            {
                "line_id": plan.line_id,
                "id": plan.id,
                "party_id": plan.party_id,
                "merchant_id": plan.merchant_id,
                "order_id": plan.order_id,
                "hold_id": plan.hold_id,
                "amount": plan.amount.minor,
                "currency": plan.currency,
                "periods": len(plan.periods),
                "fee_rate": plan.fee_rate,
                "apr": str(apr.nominal),
                "apr_effective": str(apr.effective),
                "status": plan.status.value,
                "promotion_id": plan.promotion_id,
                "merchant_fee": None if plan.merchant_fee is None else plan.merchant_fee.minor,
                "returned": plan.returned.minor,
                "released": plan.released.minor,
                "refunded": plan.refunded.minor,
                "policy_version": policy_version,
                "created_at": now,
                "updated_at": now,
            },
        )
        self._exec(insert(_pe), [_period_row(plan, p) for p in plan.periods])

    def save_plan(self, plan: Plan, now: datetime) -> None:
        self._exec(
            update(_pl)
            .where(_pl.c.line_id == plan.line_id, _pl.c.id == plan.id)
            .values(
                status=plan.status.value,
                returned=plan.returned.minor,
                released=plan.released.minor,
                refunded=plan.refunded.minor,
                updated_at=now,
            )
        )
        # The periods are few (3 to 12) and all may change: replaced in the same transaction.
        self._exec(delete(_pe).where(_pe.c.line_id == plan.line_id, _pe.c.plan_id == plan.id))
        self._exec(insert(_pe), [_period_row(plan, p) for p in plan.periods])

    def _row(self, line_id: str, plan_id: str) -> Any:
        row = self._exec(select(_pl).where(_pl.c.line_id == line_id, _pl.c.id == plan_id)).first()
        if row is None:
            raise NotFound("plan", f"plan: no such plan {plan_id[:80]!r}")
        return row

    def get_plan(self, line_id: str, plan_id: str) -> Plan:
        row = self._row(line_id, plan_id)
        periods = self._exec(
            select(_pe).where(_pe.c.line_id == line_id, _pe.c.plan_id == plan_id)
        ).all()
        return _plan(row, periods)

    def plan_facts(self, line_id: str, plan_id: str) -> dict[str, Any]:
        row = self._row(line_id, plan_id)
        return {
            "apr": row.apr,
            "apr_effective": row.apr_effective,
            "policy_version": row.policy_version,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }

    def plans_of(self, line_id: str) -> list[Plan]:
        rows = self._exec(
            select(_pl).where(_pl.c.line_id == line_id).order_by(_pl.c.created_at, _pl.c.id)
        ).all()
        periods: dict[str, list[Any]] = defaultdict(list)
        for p in self._exec(select(_pe).where(_pe.c.line_id == line_id)).all():
            periods[p.plan_id].append(p)
        return [_plan(r, periods[r.id]) for r in rows]

    def plan_of_order(self, order_id: str) -> Plan | None:
        row = self._exec(select(_pl.c.line_id, _pl.c.id).where(_pl.c.order_id == order_id)).first()
        return None if row is None else self.get_plan(row.line_id, row.id)

    def lines_with_owed_periods(self, due_before: date, limit: int) -> list[str]:
        rows = self._exec(
            select(_pe.c.line_id)
            .where(and_(_pe.c.owed > 0, _pe.c.due_on < due_before))
            .group_by(_pe.c.line_id)
            .order_by(_pe.c.line_id)
            .limit(limit)
        ).all()
        return [r.line_id for r in rows]

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
        self._exec(
            insert(_en),
            {
                "line_id": plan.line_id,
                "id": entry_id,
                "plan_id": plan.id,
                "kind": kind,
                "amount": amount,
                "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
                "created_at": now,
            },
        )

    def entries_of(self, line_id: str, plan_id: str) -> list[dict[str, Any]]:
        rows = self._exec(
            select(_en)
            .where(_en.c.line_id == line_id, _en.c.plan_id == plan_id)
            .order_by(_en.c.created_at, _en.c.id)
        ).all()
        return [
            {
                "id": r.id,
                "kind": r.kind,
                "amount": int(r.amount),
                "detail": json.loads(r.detail),
                "created_at": r.created_at,
            }
            for r in rows
        ]

    def insert_promotion(self, promotion: Promotion) -> None:
        self._exec(
            insert(_pr),
            {
                "id": promotion.id,
                "merchant_id": promotion.merchant_id,
                "name": promotion.name,
                "periods": ",".join(str(x) for x in promotion.tenors),
                "starts_on": promotion.starts_on,
                "ends_on": promotion.ends_on,
                "currency": promotion.cap.currency,
                "cap": promotion.cap.minor,
                "used": promotion.used.minor,
                "status": promotion.status.value,
                "created_at": promotion.created_at,
                "ended_at": promotion.ended_at,
            },
        )

    def get_promotion(self, promotion_id: str, *, lock: bool = False) -> Promotion:
        query = select(_pr).where(_pr.c.id == promotion_id)
        row = self._exec(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound("promotion", f"promotion: no such promotion {promotion_id[:80]!r}")
        return _promotion(row)

    def promotions_of(self, merchant_id: str) -> list[Promotion]:
        rows = self._exec(
            select(_pr)
            .where(_pr.c.merchant_id == merchant_id)
            .order_by(_pr.c.created_at.desc(), _pr.c.id)
        ).all()
        return [_promotion(r) for r in rows]

    def use_promotion(self, promotion_id: str, amount: int) -> None:
        self._exec(update(_pr).where(_pr.c.id == promotion_id).values(used=_pr.c.used + amount))

    def end_promotion(self, promotion_id: str, now: datetime) -> None:
        self._exec(
            update(_pr)
            .where(_pr.c.id == promotion_id, _pr.c.status == PromotionStatus.ACTIVE.value)
            .values(status=PromotionStatus.ENDED.value, ended_at=now)
        )
