"""The fixed texts of appeals (申诉) on the holder's quota page and the operator desk, Chinese
first (merged into ``render.TEXTS``). What an appeal says (its status, outcome and steps)
comes zh and en from the use case itself."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "apl_title": ("申诉", "Appeals"),
    "apl_intro": (
        (
            "额度被冻结或调低，而您认为不应如此？请说明理由并附上证据（订单号、对账单流水、"
            "金额、材料），平台风控人员会复核并给出结果。处理期间，额度照常按现在的规则使用。"
        ),
        (
            "Frozen or lowered, and you think it should not be? Say why and add evidence (order "
            "ids, statement lines, amounts, documents): the platform's risk team re-assesses the "
            "line and decides. Meanwhile the line works as it does now."
        ),
    ),
    "apl_open": ("处理中的申诉", "Open appeal"),
    "apl_recent": ("最近的申诉", "Recent appeals"),
    "apl_none": ("还没有申诉。", "No appeals yet."),
    "apl_submitted_at": ("提交时间", "Submitted"),
    "apl_decided_at": ("处理时间", "Decided"),
    "apl_reason": ("申诉理由", "Reason"),
    "apl_outcome": ("结果", "Outcome"),
    "apl_decided_limit": ("决定的额度", "Limit decided"),
    "apl_note": ("说明", "Note"),
    "apl_steps": ("处理过程", "Steps"),
    "apl_by": ("操作人", "By"),
    "apl_by_platform": ("平台", "the platform"),
    "apl_by_you": ("您", "you"),
    "apl_new": ("提交申诉", "Submit an appeal"),
    "apl_orders": ("订单号（每行一个）", "Order ids (one a line)"),
    "apl_statement_lines": ("对账单流水（每行一条）", "Statement lines (one a line)"),
    "apl_amounts": (
        "金额（每行一个，可加说明，如：18000.00 退款已处理）",
        "Amounts (one a line, a note may follow: 18000.00 refunds paid)",
    ),
    "apl_documents": (
        "材料（每行一个：类型 或 编号，如 bank_statement、doc_…）",
        "Documents (one a line: a type or an id, e.g. bank_statement, doc_…)",
    ),
    "apl_send": ("提交申诉", "Submit the appeal"),
    "apl_sent": ("申诉已提交", "Appeal submitted"),
    "apl_one_open": (
        "已有一个处理中的申诉，请等待结果。",
        "An appeal is open already: wait for its decision.",
    ),
    "apl_evidence": ("证据", "Evidence"),
    # the operator desk
    "ops_appeals": ("申诉", "Appeals"),
    "ops_appeals_open": ("待处理的申诉", "Appeals awaiting a decision"),
    "ops_appeals_clear": ("没有待处理的申诉。", "No appeal awaits a decision."),
    "ops_appeal": ("申诉", "Appeal"),
    "ops_apl_limit_now": ("当前额度", "Limit now"),
    "ops_apl_restore_limit": ("全部恢复将恢复到", "Restore gives back"),
    "ops_apl_freezes": ("生效中的冻结", "Freezes in force"),
    "ops_apl_decide": ("处理申诉", "Decide"),
    "ops_apl_outcome_restore": ("全部恢复", "Restore"),
    "ops_apl_outcome_partial": ("部分恢复", "Partly restore"),
    "ops_apl_outcome_reject": ("驳回", "Reject"),
    "ops_apl_limit": (
        "额度（部分恢复必填；全部恢复可不填）",
        "Limit (partial: required; restore: optional)",
    ),
    "ops_apl_lift": (
        "解除这些冻结（全部恢复不勾选时，解除风控、纠纷、运营冻结）",
        "Lift these freezes (restore with none ticked: every risk, dispute and operator freeze)",
    ),
    "ops_apl_note": ("说明（部分恢复与驳回必填）", "Note (required for partial and reject)"),
    "ops_apl_decided": ("申诉已处理", "Appeal decided"),
}
