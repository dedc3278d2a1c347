"""How a plan (分期计划) is shown: its periods with what each owes and its status, the annual
rate, the payoff amount today and the next due date; the same answer for the CLI, the API and
the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from creditline.domain.installments.plans import Period, Plan
from creditline.domain.installments.promotions import Promotion
from creditline.domain.money import Money
from creditline.domain.policy import Policy
from creditline.domain.workdays import iso_local, local_date
from creditline.service.idempotency import Answer
from creditline.service.ids import line_of
from creditline.service.uow import Database, UnitOfWork

PLAN_STATUS_NAMES = {
    "active": ("还款中", "repaying"),
    "settled": ("已结清", "settled"),
    "paid_off": ("提前结清", "paid off early"),
    "returned": ("已退货", "returned"),
}
PERIOD_STATUS_NAMES = {
    "upcoming": ("未开始", "not started"),
    "current": ("本期", "current"),
    "grace": ("宽限期内", "in the grace days"),
    "overdue": ("已逾期", "overdue"),
    "paid": ("已还清", "paid"),
    "cancelled": ("已取消", "cancelled"),
}


def grace_days(policy: Policy) -> int:
    return policy.integer("installment_grace_days")


def period_json(p: Period, today: date, grace: int) -> dict[str, Any]:
    status = p.status(today, grace)
    zh, en = PERIOD_STATUS_NAMES[status.value]
    return {
        "number": p.number,
        "starts_on": p.starts_on.isoformat(),
        "due_on": p.due_on.isoformat(),
        "principal": p.principal.format(),
        "fee": p.fee.format(),
        "late_fee": p.late_fee.format(),
        "waived_fee": p.waived_fee.format(),
        "paid": {
            "principal": p.paid_principal.format(),
            "fee": p.paid_fee.format(),
            "late_fee": p.paid_late_fee.format(),
            "total": p.paid.format(),
        },
        "owed": {
            "principal": p.owed_principal.format(),
            "fee": p.owed_fee.format(),
            "late_fee": p.owed_late_fee.format(),
            "total": p.owed.format(),
        },
        "status": status.value,
        "status_zh": zh,
        "status_en": en,
        "days_overdue": p.days_overdue(today, grace),
    }


def plan_json(plan: Plan, facts: dict[str, Any], now: datetime, policy: Policy) -> dict[str, Any]:
    """The plan as every answer shows it, as of ``now``."""
    today, grace = local_date(now), grace_days(policy)
    extra = policy.integer("installment_payoff_extra_periods")
    nxt = plan.next_due()
    zh, en = PLAN_STATUS_NAMES[plan.status.value]
    apr = facts.get("apr", "0")
    return {
        "id": plan.id,
        "object": "installment_plan",
        "line": plan.line_id,
        "party": plan.party_id,
        "merchant": plan.merchant_id,
        "order": plan.order_id,
        "hold": plan.hold_id,
        "amount": plan.amount.format(),
        "currency": plan.currency,
        "periods": len(plan.periods),
        # The shopper's fee rate per period; under a promotion the merchant pays the tenor's.
        "fee_rate": "0" if plan.promotion_id is not None else plan.fee_rate,
        "promotion_fee_rate": plan.fee_rate if plan.promotion_id is not None else None,
        "fee_total": plan.fee_total.format(),
        # 年化利率: the monthly IRR of the shopper's real cash flows times 12, and compounded.
        "apr": apr,
        "apr_percent": f"{Decimal(apr) * 100:.2f}%",
        "apr_effective": facts.get("apr_effective", "0"),
        "promotion": plan.promotion_id,
        "merchant_fee": None if plan.merchant_fee is None else plan.merchant_fee.format(),
        "status": plan.status.value,
        "status_zh": zh,
        "status_en": en,
        "owed": plan.owed.format(),
        "owed_principal": plan.owed_principal.format(),
        "owed_fees": plan.owed_fees.format(),
        "payoff_amount": plan.payoff_amount(today, extra).format() if plan.is_open else "0.00",
        "returned": plan.returned.format(),
        "refunded": plan.refunded.format(),
        "next_due": None
        if nxt is None
        else {"number": nxt.number, "due_on": nxt.due_on.isoformat(), "amount": nxt.owed.format()},
        "overdue_periods": [p.number for p in plan.overdue_periods(today, grace)],
        "schedule": [period_json(p, today, grace) for p in plan.periods],
        "policy_version": facts.get("policy_version"),
        "created_at": iso_local(facts["created_at"]) if facts.get("created_at") else None,
    }


def entry_json(entry: dict[str, Any], currency: str) -> dict[str, Any]:
    return {
        "id": entry["id"],
        "kind": entry["kind"],
        "amount": Money(entry["amount"], currency).format(),
        "detail": entry["detail"],
        "created_at": iso_local(entry["created_at"]),
    }


def promotion_json(p: Promotion) -> dict[str, Any]:
    return {
        "id": p.id,
        "object": "installment_promotion",
        "merchant": p.merchant_id,
        "name": p.name,
        "periods": list(p.tenors),
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "cap": p.cap.format(),
        "used": p.used.format(),
        "left": p.left.format(),
        "currency": p.cap.currency,
        "status": p.status.value,
        "created_at": iso_local(p.created_at),
        "ended_at": iso_local(p.ended_at) if p.ended_at else None,
    }


def shown(uow: UnitOfWork, plan: Plan, now: datetime, *, entries: bool = False) -> dict[str, Any]:
    """The plan's answer read in ``uow``."""
    policy = uow.reference.policy(now)
    body = plan_json(plan, uow.installments.plan_facts(plan.line_id, plan.id), now, policy)
    if entries:
        body["entries"] = [
            entry_json(e, plan.currency) for e in uow.installments.entries_of(plan.line_id, plan.id)
        ]
    return body


def show_installment(db: Database, plan_id: str) -> Answer:
    """One plan: each period's due date, what was paid, what is owed and its status
    (``installment show``)."""
    line_id = line_of(plan_id, field="plan")
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        return Answer(shown(uow, uow.installments.get_plan(line_id, plan_id), now, entries=True))


def list_installments(db: Database, line_id: str) -> Answer:
    """The line's plans, oldest first, each with its next due date."""
    with db.transaction(write=False) as uow:
        uow.lines.read_line(line_id)  # NotFound for a line that does not exist
        now = uow.reference.now()
        policy = uow.reference.policy(now)
        plans = uow.installments.plans_of(line_id)
        return Answer(
            {
                "line": line_id,
                "plans": [
                    plan_json(p, uow.installments.plan_facts(line_id, p.id), now, policy)
                    for p in plans
                ],
            }
        )
