"""The installments' due job (分期到期任务), run by ``run-due``: for every line with a period past
its due date, under the line's lock and in its own transaction (so the job can stop and run
again without doing anything twice): late fees caught up (滞纳金), dunning at 1, 3, 7 and 30
days overdue (催收), the shopper's credit score lowered once for each period that falls overdue,
the line frozen (``installment_overdue``) once a period is overdue the policy's days."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from creditline.domain.installments.plans import Plan, dunning_due
from creditline.domain.policy import Policy
from creditline.domain.quota.freezes import Freeze, FreezeReason
from creditline.domain.quota.parties import PartyKind
from creditline.domain.workdays import local_date
from creditline.service.ids import new_child_id
from creditline.service.installments.overdue import catch_up, overdue_on_line
from creditline.service.quota.freeze_admin import freeze_json
from creditline.service.quota.repayment import standing_freezes
from creditline.service.uow import Database, UnitOfWork

SCORE_FLOOR = 300

DUNNING_TEXTS = {
    1: ("分期已逾期1天，请尽快还款", "an installment is 1 day overdue: please repay soon"),
    3: ("分期已逾期3天，滞纳金每日累计", "an installment is 3 days overdue: late fees grow daily"),
    7: (
        "分期已逾期7天，额度可能被冻结，信用分已下调",
        "an installment is 7 days overdue: the line may be frozen, the credit score was lowered",
    ),
    30: (
        "分期已逾期30天，已转人工催收",
        "an installment is 30 days overdue: it is passed to collections staff",
    ),
}


def run_installments(db: Database, *, batch: int = 200) -> list[dict[str, Any]]:
    """Every line with a period past due, one transaction each; what each line's run did."""
    with db.transaction(write=False) as uow:
        today = local_date(uow.reference.now())
        lines = uow.installments.lines_with_owed_periods(today, 100_000)
    done = []
    for start in range(0, len(lines), batch):
        for line_id in lines[start : start + batch]:
            with db.transaction() as uow:
                body = _run_line(uow, line_id)
            if body:
                done.append(body)
    return done


def _run_line(uow: UnitOfWork, line_id: str) -> dict[str, Any]:
    locked = uow.lines.lock_line(line_id)
    now = uow.reference.now()
    policy = uow.reference.policy(now, locked.policy_seq)
    charged: list[str] = []
    dunned: list[dict[str, Any]] = []
    lowered = 0
    for stored in uow.installments.plans_of(line_id):
        if not stored.is_open:
            continue
        locked, plan, fee = catch_up(uow, locked, stored, now, policy)
        if fee.is_positive:
            charged.append(f"{plan.id}:{fee.format()}")
        _, sent, drop = _dun_and_score(uow, plan, now, policy)
        dunned.extend(sent)
        lowered += drop
    frozen = _freeze_if_due(uow, line_id, now, policy)
    if not (charged or dunned or lowered or frozen):
        return {}
    return {
        "line": line_id,
        "late_fees": charged,
        "dunning": dunned,
        "score_lowered_by": lowered,
        "frozen": frozen,
    }


def _dun_and_score(
    uow: UnitOfWork, plan: Plan, now: datetime, policy: Policy
) -> tuple[Plan, list[dict[str, Any]], int]:
    today, grace = local_date(now), policy.integer("installment_grace_days")
    sent: list[dict[str, Any]] = []
    drop = 0
    periods = []
    for p in plan.periods:
        days = p.days_overdue(today, grace)
        new = p
        if days > 0 and not p.score_lowered:
            event = {
                "plan": plan.id,
                "order": plan.order_id,
                "period": p.number,
                "days": days,
                "owed": p.owed.format(),
                "due_on": p.due_on.isoformat(),
            }
            uow.events.emit("installment.overdue", event, now, line_id=plan.line_id)
            drop += _lower_score(uow, plan, p.number, now, policy)
            new = replace(new, score_lowered=True)
        for stage in dunning_due(p, today, grace):
            zh, en = DUNNING_TEXTS[stage]
            body = {
                "plan": plan.id,
                "order": plan.order_id,
                "period": p.number,
                "stage": stage,
                "days": days,
                "owed": p.owed.format(),
                "message_zh": zh,
                "message_en": en,
            }
            uow.events.emit("installment.dunning", body, now, line_id=plan.line_id)
            sent.append(body)
            new = replace(new, dunned=stage)
        periods.append(new)
    after = plan.with_periods(periods)
    if after != plan:
        uow.installments.save_plan(after, now)
    return after, sent, drop


def _lower_score(uow: UnitOfWork, plan: Plan, period: int, now: datetime, policy: Policy) -> int:
    """Lower the shopper's credit score by the policy's points (信用分下调), not below 300."""
    points = policy.integer("installment_score_drop")
    party = uow.parties.get_party(plan.party_id)
    if points <= 0 or party.kind is not PartyKind.CONSUMER or party.credit_score is None:
        return 0
    score = max(SCORE_FLOOR, party.credit_score - points)
    uow.reviews.set_credit_facts(plan.party_id, score, party.income)
    uow.events.emit(
        "party.credit_lowered",
        {
            "party": plan.party_id,
            "credit_score": score,
            "previous_credit_score": party.credit_score,
            "by": "installment_overdue",
            "plan": plan.id,
            "period": period,
        },
        now,
        party_id=plan.party_id,
    )
    return party.credit_score - score


def _freeze_if_due(uow: UnitOfWork, line_id: str, now: datetime, policy: Policy) -> str | None:
    """Freeze the line once a period is overdue the policy's days, unless it is already."""
    days = policy.integer("installment_freeze_days")
    overdue = [o for o in overdue_on_line(uow, line_id, now, policy) if o[2] >= days]
    if not overdue or standing_freezes(uow, line_id, FreezeReason.INSTALLMENT_OVERDUE):
        return None
    plan, number, late = overdue[0]
    freeze = Freeze(
        id=new_child_id("frz", line_id),
        line_id=line_id,
        reason=FreezeReason.INSTALLMENT_OVERDUE,
        starts_at=now,
        ends_at=None,
        note=(
            f"分期逾期{late}天：订单 {plan.order_id} 第{number}期 / installment overdue "
            f"{late} days: period {number} of order {plan.order_id} ({plan.id})"
        ),
        policy_version=policy.version,
    )
    uow.freezes.insert_freeze(freeze, now)
    uow.events.emit(
        "freeze.added",
        {**freeze_json(freeze), "plan": plan.id, "period": number},
        now,
        line_id=line_id,
    )
    return freeze.id
