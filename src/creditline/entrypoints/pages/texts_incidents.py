"""The fixed texts of incidents (系统故障) and temporary quota (临时额度), Chinese first (merged
into ``render.TEXTS``): the operators' incidents page and the holder's temporary quota section.
What an incident tells the holder comes zh and en from the use case itself."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # the holder's section of the quota page
    "tq_title": ("临时额度", "Temporary quota"),
    "tq_permanent": ("固定额度", "Permanent limit"),
    "tq_amount": ("临时额度", "Temporary quota"),
    "tq_remaining": ("临时额度剩余", "Temporary quota left"),
    "tq_spent_first": (
        (
            "已用额度先计入临时额度，再计入固定额度；临时额度到期后自动结束，总额度回到固定额度"
            "（不会低于已用额度，已用部分还款后再回落）。"
        ),
        (
            "Used quota counts against the temporary quota first, then the permanent limit. "
            "When it ends, the limit returns to the permanent limit by itself (never below what "
            "is used: that part comes back down as it is repaid)."
        ),
    ),
    "tq_left": ("剩余", "left"),
    "tq_spent": ("已用", "spent"),
    "tq_ends": ("到期时间", "ends"),
    "tq_ended": ("已结束", "ended"),
    "tq_due": ("已到期，即将结束", "due; ending now"),
    "tq_past": ("已结束的临时额度", "Past temporary quota"),
    "tq_source_incident": ("系统故障补偿", "compensation for a platform fault"),
    "tq_source_operator": ("平台授予", "granted by the platform"),
    "tq_none": ("没有临时额度。", "No temporary quota."),
    # the operators' incidents page
    "ops_incidents": ("系统故障", "Incidents"),
    "inc_open_title": ("登记系统故障", "Open an incident"),
    "inc_open_hint": (
        "每条额度会被以“系统故障”原因冻结，直到故障关闭；商户会看到这是平台的原因和预计恢复时间。",
        (
            "Each line gets a system_fault freeze until the incident closes; its holder is told "
            "the platform is at fault and when it is expected to clear."
        ),
    ),
    "inc_lines": (
        "受影响的额度（每行一个，或用逗号分隔）",
        "Lines affected (one a line, or commas)",
    ),
    "inc_title": ("标题（商户可见）", "Title (shown to holders)"),
    "inc_note": ("内部说明", "Internal note"),
    "inc_estimate_hours": ("预计恢复（小时）", "Expected to clear in (hours)"),
    "inc_open": ("登记并冻结", "Open and freeze"),
    "inc_opened_msg": ("已登记系统故障", "Incident opened"),
    "inc_close_title": ("关闭故障", "Close the incident"),
    "inc_close_note": ("处理说明", "How it was fixed"),
    "inc_temporary_amount": (
        "补偿临时额度（每条额度，元，可不填）",
        "Temporary quota per line (optional)",
    ),
    "inc_temporary_days": ("有效天数", "Days it lasts"),
    "inc_close": ("关闭并解冻", "Close and lift the freezes"),
    "inc_closed_msg": ("已关闭系统故障", "Incident closed"),
    "inc_status_open": ("处理中", "open"),
    "inc_status_closed": ("已关闭", "closed"),
    "inc_opened_at": ("开始", "Opened"),
    "inc_estimate": ("预计恢复", "Expected to clear"),
    "inc_no_estimate": ("评估中", "being assessed"),
    "inc_closed_at": ("关闭", "Closed"),
    "inc_by": ("操作员", "By"),
    "inc_none": ("没有系统故障记录。", "No incidents."),
    "inc_line_count": ("额度数", "Lines"),
    "inc_freeze_status": ("冻结状态", "Freeze"),
    "inc_grant_title": ("单独授予临时额度", "Grant a temporary quota"),
    "inc_grant_line": ("额度编号", "Line"),
    "inc_grant_amount": ("金额（元）", "Amount"),
    "inc_grant": ("授予", "Grant"),
    "inc_granted_msg": ("已授予临时额度", "Temporary quota granted"),
}
