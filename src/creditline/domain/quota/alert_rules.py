"""Alerts (预警, R21): which alerts a line should have open now, from facts read elsewhere.

``due_alerts`` is pure: it gets the line as the diagnosis reads it (a ``SpendContext``), the
holder's settled sales of the last three months and its failing split payouts, and answers
one alert per kind at most, each with a level and the facts behind it. The use case
(``service/quota/alerts.py``) compares that answer with the alerts stored open, and opens,
raises or lowers, and closes them.

Kinds, levels and causes (only an active line has alerts; any other line has none open):

- ``quota_low``: available quota (as the diagnosis computes it, amount freezes in force
  included) below 50% of the holder's average monthly flow is yellow, below 30% red. The flow
  is the holder's settled sales over the last 90 days, divided by 3. A holder with no settled
  sales in that window has no flow to measure against, and so no such alert.
- ``occupancy_overdue``: red, exactly when the diagnosis gives ``occupancy_overdue`` (the same
  function, ``evaluation.evaluate``, and so the same policy limit); its facts are the detail.
- ``freeze``: any freeze in force on the line. Red when a whole-line freeze stands with no end
  (lifted only by settlement, appeal or an operator); yellow when every freeze in force is an
  amount freeze or a temporary one that ends by itself.
- ``split_failed``: a supplier payout of the holder's splits whose last attempt failed and that
  is not paid yet. Yellow while it is being retried; red once one failed three times in a row
  (the platform compensated the merchant and opened a case, R11).
- ``late_fees``: yellow while late fees (滞纳金) are due on the line: an overdue period that
  is past, but not yet paid for. (Installment periods, R20, will add theirs here.)

Ratios are compared in integers (money is never divided into a float): ``available / (sales /
3) < p%`` is ``available * 3 * 100 < p * sales``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from creditline.domain.money import Money
from creditline.domain.quota.evaluation import SpendContext, available, evaluate
from creditline.domain.quota.freezes import FREEZE_REASON_NAMES, Freeze, in_force
from creditline.domain.quota.lines import LineStatus
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.settlement.payouts import (
    FAILURES_BEFORE_COMPENSATION,
    Payout,
    PayoutKind,
    PayoutStatus,
)
from creditline.domain.workdays import iso_local

#: The settled sales the flow is measured on: the last 90 days, as three months.
FLOW_WINDOW = timedelta(days=90)
FLOW_MONTHS = 3


class AlertKind(StrEnum):
    QUOTA_LOW = "quota_low"
    OCCUPANCY_OVERDUE = "occupancy_overdue"
    FREEZE = "freeze"
    SPLIT_FAILED = "split_failed"
    LATE_FEES = "late_fees"


class AlertLevel(StrEnum):
    YELLOW = "yellow"
    RED = "red"


#: Available quota below this percentage of the monthly flow raises the level, worst first.
FLOW_LEVELS: tuple[tuple[AlertLevel, int], ...] = ((AlertLevel.RED, 30), (AlertLevel.YELLOW, 50))

#: The zh/en text of each kind, filled from its detail (``occupancy_overdue`` speaks with the
#: diagnosis's own words, ``TEXTS[OCCUPANCY_OVERDUE]``).
ALERT_TEXTS: dict[AlertKind, tuple[str, str]] = {
    AlertKind.QUOTA_LOW: (
        (
            "可用额度 {available} 仅为近3个月月均回款 {monthly_flow} 的 {available_percent}%，"
            "低于 {threshold_percent}%"
        ),
        (
            "available quota {available} is {available_percent}% of the average monthly "
            "settled sales {monthly_flow} (last 3 months), below {threshold_percent}%"
        ),
    ),
    AlertKind.FREEZE: (
        "额度有 {count} 项冻结：{reasons_zh}",
        "{count} freeze(s) stand on the line: {reasons_en}",
    ),
    AlertKind.SPLIT_FAILED: (
        "有 {count} 笔分账出款失败未付（最多连续失败 {max_failures} 次，最近原因：{last_error}）",
        (
            "{count} split payout(s) failed and are unpaid (up to {max_failures} failures in "
            "a row; last error: {last_error})"
        ),
    ),
    AlertKind.LATE_FEES: (
        "有滞纳金 {fees_due} 未缴",
        "late fees of {fees_due} are due",
    ),
}


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert that should be open: its kind, level and the facts behind it (JSON values)."""

    kind: AlertKind
    level: AlertLevel
    detail: dict[str, Any]


def alert_messages(kind: str, detail: dict[str, Any]) -> tuple[str, str]:
    """The zh and en messages of an alert of ``kind`` with ``detail``."""
    if kind == AlertKind.OCCUPANCY_OVERDUE:
        reason = Reason(ReasonCode.OCCUPANCY_OVERDUE, detail)
        return reason.message_zh, reason.message_en
    try:
        texts = ALERT_TEXTS[AlertKind(kind)]
    except (ValueError, KeyError):  # a kind this version does not know
        return kind, kind
    try:
        return texts[0].format(**detail), texts[1].format(**detail)
    except (KeyError, IndexError):
        return texts


def due_alerts(
    ctx: SpendContext, *, settled_sales: Money | None, failing_payouts: Sequence[Payout]
) -> dict[AlertKind, Alert]:
    """The alerts the line should have open at ``ctx.now``, by kind.

    ``ctx`` is the line's state as the diagnosis reads it (its freezes in force and at least
    its overdue occupancy), for a spend of nothing; ``settled_sales`` the holder's sales
    settled in the ``FLOW_WINDOW`` before now (None: none); ``failing_payouts`` its split
    payouts that failed and are not paid."""
    if ctx.line.status is not LineStatus.ACTIVE:
        return {}
    found = (
        _quota_low(ctx, settled_sales),
        _occupancy_overdue(ctx),
        _freeze(ctx),
        _split_failed(failing_payouts),
        _late_fees(ctx),
    )
    return {a.kind: a for a in found if a is not None}


@dataclass(frozen=True, slots=True)
class FlowMeasure:
    """Available quota measured against the holder's average monthly flow (settled sales of
    the ``FLOW_WINDOW`` / ``FLOW_MONTHS``): the level it reaches (None: above every line) and
    the percentage of the flow it is, rounded down."""

    available: Money
    settled_sales: Money
    monthly_flow: Money
    available_percent: int
    level: AlertLevel | None
    threshold_percent: int | None


def measure_flow(free: Money, sales: Money | None) -> FlowMeasure | None:
    """``free`` against the flow of ``sales``, at whatever instant both were read (the alert
    job's now, or the end of a past day for the daily monitor); None when there is no flow to
    measure against (no settled sales, or sales in another currency)."""
    if sales is None or sales.currency != free.currency or not sales.is_positive:
        return None
    scaled = free.minor * FLOW_MONTHS * 100
    reached = next(((lv, p) for lv, p in FLOW_LEVELS if scaled < p * sales.minor), (None, None))
    return FlowMeasure(
        available=free,
        settled_sales=sales,
        # sales / 3, half up: the remainder is a third or two thirds of a fen
        monthly_flow=Money((sales.minor + 1) // FLOW_MONTHS, sales.currency),
        available_percent=scaled // sales.minor,  # of the flow, rounded down
        level=reached[0],
        threshold_percent=reached[1],
    )


def _quota_low(ctx: SpendContext, sales: Money | None) -> Alert | None:
    measured = measure_flow(available(ctx), sales)
    if measured is None or measured.level is None:
        return None
    detail = {
        "available": measured.available.format(),
        "settled_sales": measured.settled_sales.format(),
        "months": FLOW_MONTHS,
        "monthly_flow": measured.monthly_flow.format(),
        "available_percent": measured.available_percent,
        "threshold_percent": measured.threshold_percent,
    }
    return Alert(AlertKind.QUOTA_LOW, measured.level, detail)


def _occupancy_overdue(ctx: SpendContext) -> Alert | None:
    """The diagnosis's own reason, so that the alert and ``why`` cannot disagree."""
    reason = next((r for r in evaluate(ctx) if r.code is ReasonCode.OCCUPANCY_OVERDUE), None)
    if reason is None:
        return None
    return Alert(AlertKind.OCCUPANCY_OVERDUE, AlertLevel.RED, dict(reason.facts))


def _freeze(ctx: SpendContext) -> Alert | None:
    standing = sorted(in_force(ctx.freezes, ctx.now), key=lambda f: (f.starts_at, f.id))
    if not standing:
        return None
    lasting = any(f.whole_line and f.ends_at is None for f in standing)
    detail = {
        "count": len(standing),
        "reasons_zh": "、".join(FREEZE_REASON_NAMES[f.reason][0] for f in standing),
        "reasons_en": ", ".join(FREEZE_REASON_NAMES[f.reason][1] for f in standing),
        "freezes": [_freeze_fact(f) for f in standing],
    }
    return Alert(AlertKind.FREEZE, AlertLevel.RED if lasting else AlertLevel.YELLOW, detail)


def _freeze_fact(f: Freeze) -> dict[str, Any]:
    return {
        "freeze": f.id,
        "reason": f.reason.value,
        "scope": "line" if f.whole_line else "amount",
        "amount": None if f.amount is None else f.amount.format(),
        "since": iso_local(f.starts_at),
        "until": iso_local(f.ends_at) if f.ends_at else None,
    }


def _split_failed(payouts: Sequence[Payout]) -> Alert | None:
    failing = [
        p
        for p in payouts
        if p.kind is PayoutKind.SUPPLIER
        and p.status is PayoutStatus.PENDING
        and p.failures_in_row > 0
    ]
    if not failing:
        return None
    worst = max(p.failures_in_row for p in failing)
    detail = {
        "count": len(failing),
        "max_failures": worst,
        "last_error": failing[-1].last_error,
        "payouts": [
            {
                "payout": p.id,
                "order": p.order_id,
                "supplier": p.supplier_id,
                "amount": p.amount.format(),
                "failures_in_row": p.failures_in_row,
                "last_error": p.last_error,
                "compensated": p.compensated,
                "next_attempt_at": iso_local(p.next_attempt_at),
            }
            for p in failing
        ],
    }
    red = worst >= FAILURES_BEFORE_COMPENSATION
    return Alert(AlertKind.SPLIT_FAILED, AlertLevel.RED if red else AlertLevel.YELLOW, detail)


def _late_fees(ctx: SpendContext) -> Alert | None:
    due = ctx.line.balances.fees_due
    if not due.is_positive:
        return None
    return Alert(AlertKind.LATE_FEES, AlertLevel.YELLOW, {"fees_due": due.format()})
