"""The fixed texts of installments (分期购), Chinese first (merged into ``render.TEXTS``): the
quota page's section of plans and a plan's own page with its schedule."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "inst_title": ("分期计划", "Installment plans"),
    "inst_none": ("没有分期计划。", "No installment plans."),
    "inst_order": ("订单", "Order"),
    "inst_amount": ("金额", "Amount"),
    "inst_periods": ("期数", "Periods"),
    "inst_status": ("状态", "Status"),
    "inst_apr": ("年化利率", "Annual rate (APR)"),
    "inst_owed": ("待还", "Owed"),
    "inst_next": ("下期还款", "Next due"),
    "inst_plan": ("计划", "Plan"),
    "inst_due": ("到期日", "Due"),
    "inst_principal": ("本金", "Principal"),
    "inst_fee": ("手续费", "Fee"),
    "inst_late_fee": ("滞纳金", "Late fee"),
    "inst_paid": ("已还", "Paid"),
    "inst_fee_total": ("手续费合计", "Fees in all"),
    "inst_payoff": ("今日提前结清金额", "Paying it off today takes"),
    "inst_returned": ("已退货", "Returned"),
    "inst_refunded": ("已退款", "Refunded"),
    "inst_promotion": (
        "商家贴息：免手续费，由商家承担",
        "Interest-free: the merchant pays the fee",
    ),
    "inst_apr_note": (
        "年化利率按内部收益率（IRR）法计算：以每期实际还款现金流求月利率，再乘以12。",
        (
            "The annual rate is found by the IRR method: the monthly rate of the real cash flows "
            "of each period, times 12."
        ),
    ),
    "inst_repay_note": (
        "还款按期次从早到晚：先滞纳金，再手续费，最后本金；逾期宽限期后每日计收滞纳金。",
        (
            "Repayments go to the oldest period first: late fees, then fees, then principal; "
            "after the grace days an overdue period accrues a late fee each day."
        ),
    ),
    "inst_back": ("返回额度管理", "Back to the quota page"),
}
