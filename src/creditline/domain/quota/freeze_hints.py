"""What lifts a freeze, as the holder is told it (解冻方式): by itself at its end, when what is
overdue is repaid, when documents are renewed, or by an appeal."""

from __future__ import annotations

from creditline.domain.installments.overdue_reason import OVERDUE_HINT
from creditline.domain.quota.freezes import Freeze, FreezeReason
from creditline.domain.quota.incidents import fault_estimate, fault_texts

_HINTS: dict[FreezeReason, tuple[str, str]] = {
    FreezeReason.OCCUPANCY: (
        "结清超期占用后自动解除",
        "it lifts by itself when the overdue occupancy is repaid",
    ),
    FreezeReason.INSTALLMENT_OVERDUE: OVERDUE_HINT,
    FreezeReason.QUALIFICATION: (
        "更新资质材料后申请解除",
        "renew your documents, then ask for the freeze to be lifted",
    ),
}


def freeze_hint(f: Freeze) -> tuple[str, str]:
    if f.ends_at is not None:
        return (
            "到期自动解除，无需操作；如有异议可申诉",
            "it ends by itself; appeal if you disagree",
        )
    if f.reason is FreezeReason.SYSTEM_FAULT:  # the platform's fault: it says so, and when
        return fault_texts(fault_estimate(f.note))
    return _HINTS.get(f.reason, ("可提交申诉并附上证据", "appeal with evidence"))
