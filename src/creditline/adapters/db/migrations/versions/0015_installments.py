"""Installments (分期购): merchants' interest-free promotions, plans, periods, entries; and the
funds book's account of the fees merchants' promotions paid (商家贴息).

Revision ID: 0015
Revises: 0014

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
TENANT = "default"


def _minor(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, nullable=False, server_default="0")


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT)


PROMOTION_KIND = (
    "promotion_fees",
    "credit",
    "商家贴息",
    "installment fees merchants' interest-free promotions paid",
)


OLD_REASONS = "'risk', 'occupancy', 'qualification', 'dispute', 'system_fault', 'operator'"
NEW_REASONS = OLD_REASONS + ", 'installment_overdue'"


def _freeze_reasons(reasons: str, length: int) -> None:
    """The freezes' reasons: the CHECK replaced and the column sized (SQLite rebuilds the
    table, PostgreSQL alters it in place)."""
    with op.batch_alter_table("freezes") as batch:
        batch.drop_constraint("ck_freezes_reason", type_="check")
        batch.alter_column("reason", type_=sa.String(length), existing_nullable=False)
        batch.create_check_constraint("ck_freezes_reason", sa.text(f"reason IN ({reasons})"))


def upgrade() -> None:
    _freeze_reasons(NEW_REASONS, 24)
    kinds = sa.table(
        "account_kinds",
        sa.column("code"),
        sa.column("normal_side"),
        sa.column("name_zh"),
        sa.column("name_en"),
    )
    keys = ("code", "normal_side", "name_zh", "name_en")
    op.bulk_insert(kinds, [dict(zip(keys, PROMOTION_KIND, strict=True))])
    # As 0004 did for the receivable: the CHECK comes with the column, on both backends.
    op.execute(
        "ALTER TABLE funds_books ADD COLUMN promotion_fees BIGINT DEFAULT '0' NOT NULL "
        "CONSTRAINT ck_funds_books_promotion_fees CHECK (promotion_fees >= 0)"
    )
    op.create_table(
        "installment_promotions",
        sa.Column("id", sa.String(40), nullable=False),
        _tenant(),
        sa.Column(
            "merchant_id",
            sa.String(40),
            sa.ForeignKey("parties.id", name=op.f("fk_installment_promotions_merchant_id_parties")),
            nullable=False,
        ),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("periods", sa.String(16), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("cap", sa.BigInteger, nullable=False),
        _minor("used"),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("ended_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installment_promotions")),
        sa.CheckConstraint(
            "cap > 0 AND used >= 0 AND used <= cap", name=op.f("ck_installment_promotions_cap")
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_installment_promotions_dates")),
        sa.CheckConstraint(
            "status IN ('active', 'ended')", name=op.f("ck_installment_promotions_status")
        ),
    )
    op.create_table(
        "installment_plans",
        sa.Column(
            "line_id",
            sa.String(40),
            sa.ForeignKey("lines.id", name=op.f("fk_installment_plans_line_id_lines")),
            nullable=False,
        ),
        sa.Column("id", sa.String(48), nullable=False),
        _tenant(),
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
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("line_id", "id", name=op.f("pk_installment_plans")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_installment_plans_amount")),
        sa.CheckConstraint("periods IN (3, 6, 12)", name=op.f("ck_installment_plans_periods")),
        sa.CheckConstraint(
            "status IN ('active', 'settled', 'paid_off', 'returned')",
            name=op.f("ck_installment_plans_status"),
        ),
        sa.CheckConstraint(
            "returned >= 0 AND released >= 0 AND refunded >= 0 AND returned <= amount "
            "AND released <= returned",
            name=op.f("ck_installment_plans_returns"),
        ),
    )
    op.create_table(
        "installment_periods",
        sa.Column("line_id", sa.String(40), nullable=False),
        sa.Column("plan_id", sa.String(48), nullable=False),
        _tenant(),
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
        _minor("owed"),
        sa.PrimaryKeyConstraint(
            "line_id", "plan_id", "number", name=op.f("pk_installment_periods")
        ),
        sa.ForeignKeyConstraint(
            ["line_id", "plan_id"],
            ["installment_plans.line_id", "installment_plans.id"],
            name=op.f("fk_installment_periods_line_id_installment_plans"),
        ),
        sa.CheckConstraint(
            "paid_principal >= 0 AND paid_principal <= principal AND paid_fee >= 0 "
            "AND waived_fee >= 0 AND paid_fee + waived_fee <= fee AND paid_late_fee >= 0 "
            "AND paid_late_fee <= late_fee AND owed >= 0",
            name=op.f("ck_installment_periods_paid"),
        ),
    )
    op.create_table(
        "installment_entries",
        sa.Column("line_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        _tenant(),
        sa.Column("plan_id", sa.String(48), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("line_id", "id", name=op.f("pk_installment_entries")),
        sa.ForeignKeyConstraint(
            ["line_id", "plan_id"],
            ["installment_plans.line_id", "installment_plans.id"],
            name=op.f("fk_installment_entries_line_id_installment_plans"),
        ),
    )
    op.create_index(
        "ix_installment_promotions_merchant_id", "installment_promotions", ["merchant_id"]
    )
    op.create_index("uq_installment_plans_order_id", "installment_plans", ["order_id"], unique=True)
    op.create_index(
        "ix_installment_periods_owed_due_on",
        "installment_periods",
        ["due_on", "line_id"],
        sqlite_where=sa.text("owed > 0"),
        postgresql_where=sa.text("owed > 0"),
    )
    op.create_index(
        "ix_installment_entries_plan",
        "installment_entries",
        ["line_id", "plan_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_table("installment_entries")
    op.drop_table("installment_periods")
    op.drop_table("installment_plans")
    op.drop_table("installment_promotions")
    op.execute("ALTER TABLE funds_books DROP COLUMN promotion_fees")
    kinds = sa.table("account_kinds", sa.column("code"))
    op.execute(kinds.delete().where(kinds.c.code == PROMOTION_KIND[0]))
    op.execute("DELETE FROM freezes WHERE reason = 'installment_overdue'")
    _freeze_reasons(OLD_REASONS, 16)
