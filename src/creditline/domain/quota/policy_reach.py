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
}


def reach_of(key: str) -> Reach:
    """What ``key`` governs (an unknown key is taken to reach the lines)."""
    return REACH.get(key, Reach.LINES)


def touches(key: str, *, has_lines: bool, is_merchant: bool) -> bool:
    """Whether a change of ``key`` touches a holder with (or without) lines, merchant or not."""
    reach = reach_of(key)
    return has_lines if reach is Reach.LINES else is_merchant
