"""The fixed texts of the limit assessment page (额度评估), Chinese first (merged into
``render.TEXTS``). What the assessment says (factor names, what would help, the summary and
the reasons) comes zh and en from the use case itself."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "asm_title": ("额度评估", "Limit assessment"),
    "asm_proposed": ("建议额度", "Proposed limit"),
    "asm_score": ("评分", "Score"),
    "asm_product": ("产品", "Product"),
    "asm_decision": ("结论", "Decision"),
    "asm_band": ("达到的分档", "Band reached"),
    "asm_band_none": ("低于最低分档", "below the lowest band"),
    "asm_caps": ("额度上限", "Caps"),
    "asm_binding": ("起约束作用", "binding"),
    "asm_card": ("评分卡", "Scorecard"),
    "asm_simulated": ("基于模拟数据拟合", "fitted on simulated data"),
    "asm_card_consumer": ("消费者评分卡", "Consumer card"),
    "asm_card_merchant": ("商家评分卡（模拟数据）", "Merchant card (simulated data)"),
    "asm_policy": ("政策版本", "Policy version"),
    "asm_at": ("评估时间", "Assessed at"),
    "asm_id": ("评估编号", "Assessment id"),
    "asm_reasons": ("转人工审核的原因", "Why it is referred"),
    "asm_top_costs": ("扣分最多的因素", "What cost the most points"),
    "asm_no_costs": ("每一项都已在最高分档。", "Every factor is in its best bin."),
    "asm_factors": ("各项得分", "Points of each factor"),
    "asm_factor": ("因素", "Factor"),
    "asm_value": ("数值", "Value"),
    "asm_bin": ("分箱", "Bin"),
    "asm_points": ("得分", "Points"),
    "asm_best": ("最高可得", "Best"),
    "asm_short": ("少得", "Points short"),
    "asm_helps": ("怎样改善", "What would help"),
    "asm_unknown": ("未知", "not known"),
    "asm_total": ("合计", "Total"),
    "asm_costly": ("扣分较多", "costs the most"),
}
