"""Which of a holder's things a platform policy setting reaches (政策变更): the settings of the
spend flow and of occupancy reach every line the holder has (of either product); the settings
of orders and splits reach a merchant's order flow. The policy itself is platform-wide: a change
applies to every holder that has what the setting governs."""

from __future__ import annotations

from enum import StrEnum


class Reach(StrEnum):
    LINES = "lines"  # every line of the holder (先用后付 and 分期购 alike)
    ORDERS = "orders"  # a merchant's orders, splits and payouts


#: Every policy parameter, and what it governs.
REACH: dict[str, Reach] = {
    "hold_timeout_days": Reach.LINES,
    "max_single_spend": Reach.LINES,
    "large_spend_threshold": Reach.LINES,
    "max_large_spends_per_day": Reach.LINES,
    "occupancy_limit_days": Reach.LINES,
    "late_fee_daily_rate": Reach.LINES,
    "temporary_freeze_hours": Reach.LINES,
    "split_window": Reach.ORDERS,
    "compensation_cap": Reach.ORDERS,
    "after_sale_days": Reach.ORDERS,
    "auto_confirm_days": Reach.ORDERS,
    # initial limits: the limits of lines (domain/credit/limit_bands.py)
    "merchant_limit_bands": Reach.LINES,
    "consumer_limit_bands": Reach.LINES,
    "merchant_bnpl_limit_cap": Reach.LINES,
    "installment_limit_cap": Reach.LINES,
    "merchant_sales_multiple": Reach.LINES,
    "consumer_income_multiple": Reach.LINES,
    "consumer_credit_score_floor": Reach.LINES,
    "settled_sales_months": Reach.LINES,
    "limit_rounding": Reach.LINES,
    # periodic reviews: the limits of lines (domain/credit/review_rules.py)
    "review_interval_days": Reach.LINES,
    "document_max_age_days": Reach.LINES,
    "required_documents": Reach.LINES,
    "documents_cut": Reach.LINES,
    "return_rate_max": Reach.LINES,
    "return_rate_categories": Reach.LINES,
    "return_rate_window_days": Reach.LINES,
    "return_rate_min_orders": Reach.LINES,
    "return_rate_cut": Reach.LINES,
    "inactivity_days": Reach.LINES,
    "inactivity_cut": Reach.LINES,
    "overdue_cut": Reach.LINES,
    "score_drop_points": Reach.LINES,
    "income_drop": Reach.LINES,
    "score_drop_cut": Reach.LINES,
    "good_history_months": Reach.LINES,
    "raise_step": Reach.LINES,
    "raise_max": Reach.LINES,
    "temporary_quota_max": Reach.LINES,
    # installments (分期购): every installment line's plans (domain/installments/)
    "installment_fee_rate_3": Reach.LINES,
    "installment_fee_rate_6": Reach.LINES,
    "installment_fee_rate_12": Reach.LINES,
    "installment_grace_days": Reach.LINES,
    "installment_late_fee_daily_rate": Reach.LINES,
    "installment_freeze_days": Reach.LINES,
    "installment_score_drop": Reach.LINES,
    "installment_payoff_extra_periods": Reach.LINES,
    "ring_horizon_days": Reach.LINES,
}


def reach_of(key: str) -> Reach:
    """What ``key`` governs (an unknown key is taken to reach the lines)."""
    return REACH.get(key, Reach.LINES)


def touches(key: str, *, has_lines: bool, is_merchant: bool) -> bool:
    """Whether a change of ``key`` touches a holder with (or without) lines, merchant or not."""
    reach = reach_of(key)
    return has_lines if reach is Reach.LINES else is_merchant
