"""What an installment plan's rows must agree with in its line's book (账实相符): every plan
transfer names the plan, so its periods are held to the sums of its transfers."""

from __future__ import annotations

from collections.abc import Sequence

from creditline.domain.checkpoints import Finding
from creditline.domain.installments.plans import Plan
from creditline.domain.ledger import Movement
from creditline.domain.ledger_trail import Trail


def _total(plan: Plan, name: str) -> int:
    return sum(getattr(p, name).minor for p in plan.periods)


def plan_findings(plans: Sequence[Plan], trail: Trail) -> list[Finding]:
    """Each plan against its transfers: the capture of its hold is its amount; principal
    repaid and released by returns; fees charged, late fees charged, paid, written off and
    given back."""
    out: list[Finding] = []
    for plan in plans:
        s = trail.sum
        paid = _total(plan, "paid_fee") + _total(plan, "paid_late_fee")
        stored = {
            "amount": plan.amount.minor,
            "repaid": _total(plan, "paid_principal"),
            "released": plan.released.minor,
            "fees": _total(plan, "fee"),
            "late_fees": _total(plan, "late_fee"),
            "fees_paid": paid,
            "waived": _total(plan, "waived_fee"),
        }
        ledger = {
            "amount": s(plan.hold_id, Movement.CAPTURE),
            "repaid": s(plan.id, Movement.REPAY),
            "released": s(plan.id, Movement.REFUND),
            "fees": s(plan.id, Movement.INSTALLMENT_FEE),
            "late_fees": s(plan.id, Movement.LATE_FEE),
            "fees_paid": s(plan.id, Movement.FEE_PAYMENT) - s(plan.id, Movement.FEE_REFUND),
            "waived": s(plan.id, Movement.FEE_WAIVER) + s(plan.id, Movement.FEE_REFUND),
        }
        if stored != ledger:
            out.append(
                Finding(
                    "installment_mismatch", 0, {"plan": plan.id, "stored": stored, "ledger": ledger}
                )
            )
    return out
