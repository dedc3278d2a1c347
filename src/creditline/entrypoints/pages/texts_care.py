"""The fixed texts of the holder's self-check, security centre, policy changes pages,
Chinese first (merged into ``render.TEXTS``)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # sign-in: the name and password fields serve operators and holders alike
    "care_signin_both": (
        "操作员或商户：用户名/商户编号与口令",
        "Operators and merchants: name or party id, and password",
    ),
    "care_signin_name": ("用户名/商户编号", "Name / party id"),
    # the head of every care page
    "care_party": ("商户", "Party"),
    "care_lines": ("额度", "Lines"),
    "care_no_lines": (
        "还没有额度。请联系平台开通额度，开通后可在这里查看。",
        "No line yet. Ask the platform to open one; it will show here.",
    ),
    "care_as_of": ("数据截至", "As of"),
    # self-check
    "care_sc_summary": ("已评分项目中达标", "Scored items passing"),
    "care_sc_item": ("项目", "Item"),
    "care_sc_score": ("得分", "Score"),
    "care_sc_pass_line": ("及格线", "Pass line"),
    "care_sc_passed": ("达标", "Passes"),
    "care_sc_failed": ("未达标", "Below the pass line"),
    "care_sc_no_data": ("暂无数据", "No data yet"),
    "care_sc_measured": ("实测", "Measured"),
    "care_sc_target": ("目标", "Target"),
    "care_sc_advice": ("改进建议", "To improve"),
    "care_sc_open": ("未处理的风控待办", "Open risk items"),
    "care_sc_open_minutes": ("已等待（分钟）", "Open for (minutes)"),
    "care_item_split_timeliness": ("分账时效", "Split timeliness"),
    "care_item_quota_utilisation": ("额度使用率", "Quota utilisation"),
    "care_item_risk_response": ("风控响应", "Risk response"),
    "care_item_service_response": ("客服响应", "Customer-service response"),
    "care_sc_window": ("统计近30天的数据。", "Figures of the last 30 days."),
    # security centre
    "care_devices": ("绑定设备", "Devices bound to the account"),
    "care_device": ("设备", "Device"),
    "care_first_seen": ("首次登录", "First seen"),
    "care_last_confirmed": ("最近确认", "Last confirmed"),
    "care_logins": ("登录次数", "Logins"),
    "care_device_state": ("状态", "State"),
    "care_confirm_now": ("超过30天未确认，请用该设备登录确认", "Over 30 days: sign in from it"),
    "care_confirmed": ("正常", "Confirmed"),
    "care_devices_hint": (
        "建议每月用常用设备登录一次以确认；不认识的设备请联系平台解绑。",
        "Confirm each device monthly by signing in from it; report any device you do not know.",
    ),
    "care_no_devices": (
        "还没有登录记录。您在平台登录后，登录过的设备会显示在这里。",
        "No logins recorded yet. The devices you sign in from will show here.",
    ),
    "care_abnormal": ("近30天异常登录", "Abnormal logins, last 30 days"),
    "care_at": ("时间", "At"),
    "care_ip": ("IP", "IP"),
    "care_why": ("异常原因", "Why"),
    "care_why_new_device": ("新设备", "new device"),
    "care_why_new_ip": ("新IP", "new IP"),
    "care_why_risk_review": ("风控审核", "risk review"),
    "care_why_risk_decline": ("风控拒绝", "risk declined"),
    "care_no_abnormal": (
        "近30天没有异常登录。如发现不明登录，请立即修改口令并联系平台。",
        "No abnormal login in the last 30 days. Not yours? Change the password, tell us.",
    ),
    "care_whitelist": ("分账白名单", "Split whitelist"),
    "care_core_count": ("核心供应商数量", "Core suppliers"),
    "care_advised": ("建议至少", "Advised at least"),
    "care_no_core": ("还没有核心供应商。", "No core supplier yet."),
    # policy changes
    "care_pc_setting": ("设置项", "Setting"),
    "care_pc_old": ("原值", "Old"),
    "care_pc_new": ("新值", "New"),
    "care_pc_applies": ("适用于", "Applies to"),
    "care_pc_orders": ("订单与分账", "orders and splits"),
    "care_pc_effective": ("生效时间", "Took effect"),
    "care_pc_scheduled": ("即将生效", "Scheduled"),
    "care_pc_days": ("天数", "Days"),
    "care_pc_show": ("查看", "Show"),
    "care_pc_bad_days": (
        "天数须为1到366之间的整数；下面显示近30天。",
        "Days must be a whole number from 1 to 366; the last 30 days are shown below.",
    ),
    "care_pc_none": (
        "所选期间内没有影响您的政策变更。可扩大天数查看更早的变更。",
        "No policy change touched you in this period. Widen the days to see older ones.",
    ),
}
