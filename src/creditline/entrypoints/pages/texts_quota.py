"""The fixed texts of the holder's quota detail, statements and daily monitor pages,
Chinese first (merged into ``render.TEXTS``). Every key starts with ``q_``."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # 额度管理: used, exposure by order, the 90-day chart
    "q_used": ("已用额度", "Used"),
    "q_used_note": ("已用额度 = 预占 + 占用。", "Used = held + occupied."),
    "q_exposure": ("预占与占用（按订单）", "Holds and occupancy by order"),
    "q_limit_note": (
        "占用期限为 {days} 天（平台政策），超期将冻结额度；{urgent} 天内到期的标为红色。",
        (
            "Occupancy may last {days} days (platform policy) before the line freezes; "
            "{urgent} days or fewer left is shown in red."
        ),
    ),
    "q_kind": ("类别", "Kind"),
    "q_kind_occupancy": ("占用", "Occupancy"),
    "q_kind_hold": ("预占", "Hold"),
    "q_order": ("订单号", "Order"),
    "q_amount": ("金额", "Amount"),
    "q_age": ("已持续（天）", "Age (days)"),
    "q_days_left": ("距占用期限（天）", "Days left"),
    "q_due": ("到期时间", "Limit reached at"),
    "q_overdue": ("已超期", "over the limit"),
    "q_hold_note": (
        "尚未扣款，扣款后开始计算占用期限；预授权于 {at} 到期。",
        "Not captured yet: the limit counts from capture. The hold expires at {at}.",
    ),
    "q_orders_shown": (
        "共 {count} 笔订单占用额度，此处显示 {shown} 笔（最早的在前）。",
        "{count} orders occupy the quota; {shown} shown here, the oldest first.",
    ),
    "q_orders_next": ("下一页（更晚的订单）", "Next page (later orders)"),
    "q_orders_first": ("回到最早的订单", "Back to the oldest orders"),
    "q_no_exposure": (
        "没有预占或占用：额度没有被订单占着。需要采购时可直接使用。",
        "No holds and no occupancy: no order is using the quota. Spend it when you need to.",
    ),
    "q_chart": ("近 {days} 天额度走势", "Quota over the last {days} days"),
    "q_chart_desc": (
        "每天结束时的总额度、已用额度与可用额度（北京时间）；阴影为冻结期间。",
        (
            "Limit, used and available at the end of each day (Beijing time); shaded intervals "
            "are freezes."
        ),
    ),
    "q_table_fallback": ("以表格查看", "Show as a table"),
    "q_date": ("日期", "Date"),
    "q_frozen_band": ("冻结期间", "Frozen"),
    "q_line_frozen": ("整体冻结", "whole line frozen"),
    # 对账单
    "q_period": ("对账期间", "Period"),
    "q_from": ("开始日期", "From"),
    "q_to": ("结束日期", "To"),
    "q_show": ("查询", "Show"),
    "q_download_csv": ("下载 CSV", "Download CSV"),
    "q_download_xlsx": ("下载 Excel", "Download Excel"),
    "q_time": ("时间（北京时间）", "Time (Beijing)"),
    "q_type": ("类型", "Type"),
    "q_flow": ("流水号", "Flow id"),
    "q_available_after": ("变动后可用额度", "Available after"),
    "q_rows": ("共 {n} 笔变动", "{n} movements"),
    "q_no_movements": (
        "这段期间没有额度变动。请选择更长的期间，或在使用额度后再来查看。",
        "No movements in this period. Choose a longer period, or come back after a spend.",
    ),
    "q_bad_input": ("输入有误", "Please check the input"),
    # 额度监控表
    "q_monitor_intro": (
        (
            "每天结束时的可用额度与近 3 个月月均回款流水对比："
            "低于 50% 为黄色预警，低于 30% 为红色预警。"
        ),
        (
            "Available quota at the end of each day against your average monthly settled sales "
            "(last 3 months): below 50% is a yellow alert, below 30% red."
        ),
    ),
    "q_days": ("天数（1-366）", "Days (1-366)"),
    "q_monthly_flow": ("月均流水", "Monthly flow"),
    "q_yellow_line": ("黄线（50%）", "Yellow line (50%)"),
    "q_red_line": ("红线（30%）", "Red line (30%)"),
    "q_percent": ("可用/月均流水", "Available / flow"),
    "q_level": ("等级", "Level"),
    "q_level_green": ("正常", "Green"),
    "q_level_yellow": ("黄色预警", "Yellow"),
    "q_level_red": ("红色预警", "Red"),
    "q_level_none": ("无流水", "No flow"),
    "q_today": ("今日", "Today"),
    "q_reserve": ("建议储备", "Advised reserve"),
    "q_reserve_advice": (
        "建议始终保留月均流水的 {percent}% 作为可用额度储备，以应对采购和突发支出。",
        "Keep {percent}% of your monthly flow available in reserve, for purchases and surprises.",
    ),
    "q_covers": ("今日可用额度足以覆盖储备。", "Today's available quota covers the reserve."),
    "q_not_covers": (
        "今日可用额度不足以覆盖储备：请尽快还款以释放占用。",
        "Today's available quota does not cover the reserve: repay to free occupied quota.",
    ),
    "q_no_flow": (
        "近 90 天没有已结算的回款，暂时无法计算月均流水。订单确认收货并分账后会自动计算。",
        (
            "No settled sales in the last 90 days, so there is no monthly flow yet. It appears "
            "once orders are confirmed and split."
        ),
    ),
    "q_download_monitor": ("下载监控表（Excel）", "Download the monitor (Excel)"),
    "q_monitor_chart": (
        "近 {days} 天可用额度与预警线",
        "Available quota and alert lines, last {days} days",
    ),
    "q_monitor_chart_desc": (
        "每天结束时的可用额度，以及按当天月均流水计算的黄线（50%）与红线（30%）。",
        (
            "Available quota at the end of each day, with the yellow (50%) and red (30%) lines "
            "of that day's monthly flow."
        ),
    ),
    # 额度调整: limit changes on the quota page
    "limit_changes": ("额度调整记录", "Limit changes"),
    "no_limit_changes": ("额度没有调整过。", "The limit has not been changed."),
    "limit_pending": (
        "额度已下调至 {target}，但已用额度更高：还有 {pending} 待回款后收回，期间不能新增支用。",
        (
            "The limit was lowered to {target}, but more is in use: {pending} comes back to "
            "the platform as it is repaid, and new spending is blocked until then."
        ),
    ),
    "limit_restore": ("如何恢复", "What restores it"),
    "limit_kind_open": ("开通", "opened"),
    "limit_kind_set": ("平台调整", "set by the platform"),
    "limit_kind_review": ("定期复审", "periodic review"),
    "limit_kind_appeal": ("申诉结果", "appeal decision"),
    "limit_kind_request": ("提额申请", "increase request"),
    "limit_kind_temporary": ("临时额度", "temporary quota"),
    "limit_kind_temporary_end": ("临时额度到期", "temporary quota ended"),
    "limit_kind_close": ("关闭", "closed"),
    "limit_kind_reopen": ("重新开启", "reopened"),
    # 提额申请: increase requests
    "lrq_title": ("申请提额", "Ask for a higher limit"),
    "lrq_nav": ("提额申请", "Increase requests"),
    "lrq_amount": ("期望额度（元）", "The limit you want"),
    "lrq_reason": ("申请理由", "Why"),
    "lrq_ask": ("提交申请", "Send the request"),
    "lrq_status_approved": ("已通过", "Approved"),
    "lrq_status_partial": ("部分通过", "Approved in part"),
    "lrq_status_referred": ("转人工审核", "Referred to an operator"),
    "lrq_status_declined": ("未通过", "Declined"),
    "lrq_queue": ("提额申请（待人工审核）", "Increase requests to decide"),
    "lrq_none": ("没有待审核的提额申请。", "No request waits for a decision."),
    "lrq_score": ("评分", "Score"),
    "lrq_proposed": ("评估建议额度", "Assessment proposes"),
    "lrq_outcome": ("结论", "Outcome"),
    "lrq_approve": ("通过", "Approve"),
    "lrq_decline": ("拒绝", "Decline"),
    "lrq_limit": ("核定额度（默认按申请）", "Limit (default: as asked)"),
    "lrq_decide": ("提交决定", "Decide"),
}
