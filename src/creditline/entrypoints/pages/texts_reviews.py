"""The fixed texts of the limit review pages (额度复审): the operator desk's ``/ops/reviews``
and the section of the holder's quota page. Chinese first (merged into ``render.TEXTS``). What a
review says (each reason, what restores the limit) comes zh and en from the use case."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "rv_nav": ("额度复审", "Limit reviews"),
    "rv_title": ("额度复审", "Periodic limit reviews"),
    "rv_intro": (
        (
            "复审按平台政策的周期自动进行：退货率过高、材料过期或缺失、长期未使用、逾期、信用分或收入下降会下调额度，"
            "原因消除后恢复；持续良好的记录在上限内提额。额度不会低于已使用的部分。"
        ),
        (
            "Reviews run on the policy's schedule: a high return rate, stale or missing documents, "
            "inactivity, overdue repayments or a falling credit score or income lower a limit, "
            "which comes back when the cause is gone; steady good history raises it within the "
            "caps. A limit never drops below what is used."
        ),
    ),
    "rv_latest": ("最近一次复审", "Latest run"),
    "rv_none": ("尚未进行过额度复审。", "No review has run yet."),
    "rv_run": ("立即复审", "Review now"),
    "rv_run_party": ("仅复审该主体（可选）", "Only this party (optional)"),
    "rv_ran": ("额度复审已完成", "Review finished"),
    "rv_trigger_manual": ("人工发起", "started by an operator"),
    "rv_trigger_schedule": ("按周期自动", "on the schedule"),
    "rv_reviewed": ("复审额度数", "Lines reviewed"),
    "rv_raised": ("上调", "Raised"),
    "rv_lowered": ("下调", "Lowered"),
    "rv_unchanged": ("不变", "Unchanged"),
    "rv_pending": ("待回收（已用部分）", "Reductions waiting for used quota"),
    "rv_by_reason": ("按原因", "By reason"),
    "rv_outcomes": ("调整的额度", "Changed limits"),
    "rv_no_changes": ("这次复审没有调整任何额度。", "This run changed no limit."),
    "rv_line": ("额度", "Line"),
    "rv_decision": ("结论", "Decision"),
    "rv_limit": ("额度调整", "Limit"),
    "rv_why": ("原因", "Why"),
    "rv_restores": ("如何恢复", "What restores it"),
    "rv_at": ("时间", "At"),
    "rv_started": ("开始", "Started"),
    "rv_finished": ("结束", "Finished"),
    "rv_running": ("进行中", "running"),
    "rv_decision_raised": ("上调", "raised"),
    "rv_decision_lowered": ("下调", "lowered"),
    "rv_decision_unchanged": ("不变", "unchanged"),
    "rv_section": ("额度复审记录", "Limit reviews"),
    "rv_section_none": (
        "还没有复审记录。平台会定期复审额度，调整时会在这里说明原因和恢复方法。",
        (
            "No review yet. The platform reviews limits periodically; a change is explained here, "
            "with what restores it."
        ),
    ),
    "rv_pending_note": (
        "下调的部分中有 {pending} 仍被已用额度占用，还款后自动收回；在此之前不能新增支付。",
        (
            "{pending} of the reduction is still used: it is taken back as you repay, and new "
            "spending waits until then."
        ),
    ),
    "rv_resubmitted": ("材料已重新提交", "documents resubmitted"),
}
