"""Why an installment line is frozen (分期逾期), as ``why`` and a declined spend say it: the
overdue periods, the oldest named, and what repaying them all takes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from creditline.domain.installments.plans import OverduePeriod
from creditline.domain.money import Money
from creditline.domain.reasons import Reason, ReasonCode

OVERDUE_HINT = (
    "还清逾期分期后自动解除",
    "it lifts by itself when the overdue installments are repaid",
)


def overdue_reason(
    overdue: Sequence[OverduePeriod], currency: str, facts: dict[str, Any]
) -> Reason:
    """The ``installment_overdue`` reason: the freeze's ``facts`` with the periods added."""
    oldest = overdue[0]
    facts = {
        **facts,
        "plan": oldest.plan_id,
        "order": oldest.order_id,
        "period": oldest.number,
        "due_on": oldest.due_on.isoformat(),
        "days": oldest.days,
        "count": len(overdue),
        "repay_to_lift": Money.total((o.owed for o in overdue), currency).format(),
        "periods": [
            {
                "plan": o.plan_id,
                "order": o.order_id,
                "period": o.number,
                "due_on": o.due_on.isoformat(),
                "days": o.days,
                "owed": o.owed.format(),
            }
            for o in overdue
        ],
    }
    return Reason(ReasonCode.INSTALLMENT_OVERDUE, facts)
