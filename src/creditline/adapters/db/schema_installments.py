"""Tables of installments (分期购), migration 0015: merchants' interest-free promotions (商家贴息),
plans and their periods, and each plan's entries (what every purchase, repayment, late fee and
return did). Plans, periods and entries are keyed by line first, as every table hot per line
is, so that a plan lives on its line's shard; promotions are the merchant's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import TENANT, UtcDateTime


def _minor(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, nullable=False, server_default="0")


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata)."""
    out: dict[str, Any] = {}
    out["installment_promotions"] = table(
        "installment_promotions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("merchant_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("periods", sa.String(16), nullable=False),  # "3,6,12"
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("cap", sa.BigInteger, nullable=False),  # the fees it pays at most, in all
        _minor("used"),  # fees committed by purchases so far
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("ended_at", UtcDateTime, nullable=True),
        sa.CheckConstraint("cap > 0 AND used >= 0 AND used <= cap", name="cap"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates"),
        sa.CheckConstraint("status IN ('active', 'ended')", name="status"),
    )
    out["installment_plans"] = table(
        "installment_plans",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("party_id", sa.String(40), nullable=False),
        sa.Column("merchant_id", sa.String(40), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("hold_id", sa.String(48), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("periods", sa.Integer, nullable=False),
        sa.Column("fee_rate", sa.String(16), nullable=False),
        sa.Column("apr", sa.String(12), nullable=False),
        sa.Column("apr_effective", sa.String(12), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("promotion_id", sa.String(40), nullable=True),
        sa.Column("merchant_fee", sa.BigInteger, nullable=True),
        _minor("returned"),
        _minor("released"),
        _minor("refunded"),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("line_id", "id"),
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.CheckConstraint("periods IN (3, 6, 12)", name="periods"),
        sa.CheckConstraint(
            "status IN ('active', 'settled', 'paid_off', 'returned')", name="status"
        ),
        sa.CheckConstraint(
            "returned >= 0 AND released >= 0 AND refunded >= 0 AND returned <= amount "
            "AND released <= returned",
            name="returns",
        ),
    )
    out["installment_periods"] = table(
        "installment_periods",
        sa.Column("line_id", sa.String(40), nullable=False),
        sa.Column("plan_id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        _minor("principal"),
        _minor("fee"),
        _minor("paid_principal"),
        _minor("paid_fee"),
        _minor("waived_fee"),
        _minor("late_fee"),
        _minor("paid_late_fee"),
        sa.Column("late_fee_through", sa.Date, nullable=True),
        sa.Column("dunned", sa.Integer, nullable=False, server_default="0"),
        sa.Column("score_lowered", sa.Boolean, nullable=False, server_default=sa.false()),
        # Principal and fee still owed, kept beside them so the due job finds overdue periods
        # by an index instead of reading every plan.
        _minor("owed"),
        sa.PrimaryKeyConstraint("line_id", "plan_id", "number"),
        sa.ForeignKeyConstraint(
            ["line_id", "plan_id"], ["installment_plans.line_id", "installment_plans.id"]
        ),
        sa.CheckConstraint(
            "paid_principal >= 0 AND paid_principal <= principal AND paid_fee >= 0 "
            "AND waived_fee >= 0 AND paid_fee + waived_fee <= fee AND paid_late_fee >= 0 "
            "AND paid_late_fee <= late_fee AND owed >= 0",
            name="paid",
        ),
    )
    out["installment_entries"] = table(
        "installment_entries",
        sa.Column("line_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("plan_id", sa.String(48), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),  # JSON: what it paid, waived, refunded
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("line_id", "id"),
        sa.ForeignKeyConstraint(
            ["line_id", "plan_id"], ["installment_plans.line_id", "installment_plans.id"]
        ),
    )
    return out


INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_installment_promotions_merchant_id", "installment_promotions", ["merchant_id"], None),
    ("uq_installment_plans_order_id", "installment_plans", ["order_id"], None),
    (
        "ix_installment_periods_owed_due_on",
        "installment_periods",
        ["due_on", "line_id"],
        "owed > 0",
    ),
    (
        "ix_installment_entries_plan",
        "installment_entries",
        ["line_id", "plan_id", "created_at"],
        None,
    ),
]
