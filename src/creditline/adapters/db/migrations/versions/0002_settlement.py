"""Settlement (分账): orders, suppliers, split rules, the funds books, payouts, cases.

Revision ID: 0002
Revises: 0001

Frozen: released databases were built by this file, so it never changes and never imports
creditline. Every type, default, name and seed row is written out as it was released, names
wrapped in ``op.f`` so that no naming convention can rename them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TENANT = "default"
# What creditline's UtcDateTime compiled to: DATETIME on SQLite, TIMESTAMP WITH TIME ZONE on
# PostgreSQL (the UTC conversion is the application's, not the schema's).
UTC_TIME = sa.DateTime(timezone=True)
FUNDS_ACCOUNT_KINDS = [
    ("fees_collected", "debit", "已收滞纳金", "late fees collected"),
    ("clearing", "debit", "清算资金", "clearing cash"),
    ("escrow", "credit", "待分账货款", "proceeds awaiting the split"),
    ("repayment_collected", "credit", "回款还额", "proceeds kept to repay quota"),
    ("supplier_payable", "credit", "应付供应商", "owed to suppliers"),
    ("merchant_balance", "credit", "商家余额", "the merchant's balance"),
    ("withdrawal_payable", "credit", "提现在途", "withdrawals on their way"),
    ("compensation_expense", "debit", "平台补偿", "compensation paid by the platform"),
]
# Each funds book keeps one balance column per funds account except fees_collected.
BOOK_BALANCES = [code for code, *_ in FUNDS_ACCOUNT_KINDS[1:]]
SIDES = ("debit_account", "credit_account")
INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_orders_merchant_id", "orders", ["merchant_id"], None),
    ("ix_orders_split_due_at", "orders", ["split_due_at"], "split_id IS NULL"),
    ("ix_orders_shipped_at", "orders", ["shipped_at"], "state = 'shipped'"),
    ("ix_payouts_next_attempt_at", "payouts", ["next_attempt_at"], "status = 'pending'"),
    ("ix_payouts_party_id", "payouts", ["party_id"], None),
    ("uq_channel_records_paid", "channel_records", ["payout_id"], "outcome = 'paid'"),
]


def append_only(table: str) -> None:
    """The database refuses UPDATE and DELETE on ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION creditline_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION creditline_append_only()"
    )


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _ck(table: str, name: str, sql: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sql, name=op.f(f"ck_{table}_{name}"))


def _ref(table: str, column: str, kind: sa.String, target: str) -> sa.Column[str]:
    """A NOT NULL column referring to ``target`` ("table.column")."""
    name = op.f(f"fk_{table}_{column}_{target.partition('.')[0]}")
    return sa.Column(column, kind, sa.ForeignKey(target, name=name), nullable=False)


def _zero(name: str, kind: type[sa.BigInteger | sa.Integer] = sa.BigInteger) -> sa.Column[int]:
    return sa.Column(name, kind, nullable=False, server_default="0")


def upgrade() -> None:
    op.add_column("lines", _zero("fees_collected"))
    kinds = sa.table(
        "account_kinds",
        sa.column("code"),
        sa.column("normal_side"),
        sa.column("name_zh"),
        sa.column("name_en"),
    )
    keys = ("code", "normal_side", "name_zh", "name_en")
    op.bulk_insert(kinds, [dict(zip(keys, row, strict=True)) for row in FUNDS_ACCOUNT_KINDS])
    _orders_and_rules()
    _funds()
    _payouts_and_cases()
    for name, table, columns, where in INDEXES:
        clause = sa.text(where) if where else None
        op.create_index(
            op.f(name),
            table,
            columns,
            unique=name.startswith("uq_"),
            sqlite_where=clause,
            postgresql_where=clause,
        )
    append_only("funds_transfers")


def _orders_and_rules() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.String(64), nullable=False),
        _ref("orders", "merchant_id", sa.String(40), "parties.id"),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _zero("returned"),
        sa.Column("buyer", sa.String(64)),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("dunning", sa.String(12), nullable=False, server_default="none"),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("shipped_at", UTC_TIME),
        sa.Column("confirmed_at", UTC_TIME),
        sa.Column("split_due_at", UTC_TIME),
        sa.Column("split_id", sa.String(48)),
        _pk("orders", "id"),
        _ck("orders", "amounts", "amount > 0 AND returned >= 0 AND returned <= amount"),
        _ck("orders", "state", "state IN ('paid', 'shipped', 'confirmed', 'returned')"),
    )
    op.create_table(
        "suppliers",
        sa.Column("id", sa.String(40), nullable=False),
        _ref("suppliers", "merchant_id", sa.String(40), "parties.id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tier", sa.String(10), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _pk("suppliers", "id"),
        _ck("suppliers", "tier", "tier IN ('core', 'ordinary')"),
    )
    op.create_table(
        "split_rules",
        _ref("split_rules", "merchant_id", sa.String(40), "parties.id"),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("repayment_bp", sa.Integer, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _pk("split_rules", "merchant_id", "version"),
    )


def _funds() -> None:
    op.create_table(
        "funds_books",
        _ref("funds_books", "party_id", sa.String(40), "parties.id"),
        sa.Column("currency", sa.String(3), nullable=False),
        *(_zero(code) for code in BOOK_BALANCES),
        _zero("seq"),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        _pk("funds_books", "party_id"),
        _ck(
            "funds_books",
            "no_overdraft",
            "escrow >= 0 AND supplier_payable >= 0 AND merchant_balance >= 0 "
            "AND withdrawal_payable >= 0",
        ),
    )
    op.create_table(
        "funds_transfers",
        _ref("funds_transfers", "party_id", sa.String(40), "funds_books.party_id"),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("movement_id", sa.String(80), nullable=False),
        sa.Column("movement", sa.String(16), nullable=False),
        *(_ref("funds_transfers", side, sa.String(24), "account_kinds.code") for side in SIDES),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("ref", sa.String(80), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        _pk("funds_transfers", "party_id", "seq"),
        _ck("funds_transfers", "positive", "amount > 0"),
        _ck("funds_transfers", "two_accounts", "debit_account <> credit_account"),
    )
    op.create_table(
        "settlements",
        _ref("settlements", "party_id", sa.String(40), "parties.id"),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("settled_at", UTC_TIME, nullable=False),
        sa.Column("available_on", sa.Date, nullable=False),
        _pk("settlements", "party_id", "id"),
        _ck("settlements", "positive", "amount > 0"),
    )


def _payouts_and_cases() -> None:
    op.create_table(
        "payouts",
        sa.Column("id", sa.String(48), nullable=False),
        _ref("payouts", "party_id", sa.String(40), "parties.id"),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("supplier_id", sa.String(40)),
        sa.Column("order_id", sa.String(64)),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        _zero("attempts", sa.Integer),
        _zero("failures_in_row", sa.Integer),
        sa.Column("compensated", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(24)),
        sa.Column("channel_ref", sa.String(64)),
        sa.Column("next_attempt_at", UTC_TIME, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("paid_at", UTC_TIME),
        _pk("payouts", "id"),
        _ck("payouts", "positive", "amount > 0"),
        _ck("payouts", "status", "status IN ('pending', 'paid')"),
    )
    # The simulated channel's own books: what it says it paid, one row per answer. The database
    # refuses a second payment of one payout (uq_channel_records_paid).
    op.create_table(
        "channel_records",
        sa.Column("payout_id", sa.String(48), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("channel_ref", sa.String(64)),
        sa.Column("answered_at", UTC_TIME, nullable=False),
        _pk("channel_records", "payout_id", "attempt"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("party_id", sa.String(40)),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("opened_at", UTC_TIME, nullable=False),
        _pk("cases", "id"),
    )


def downgrade() -> None:
    for name in (
        "cases",
        "channel_records",
        "payouts",
        "settlements",
        "funds_transfers",
        "funds_books",
        "split_rules",
        "suppliers",
        "orders",
    ):
        op.drop_table(name)
    kinds = sa.table("account_kinds", sa.column("code"))
    codes = [code for code, *_ in FUNDS_ACCOUNT_KINDS]
    op.execute(kinds.delete().where(kinds.c.code.in_(codes)))
    with op.batch_alter_table("lines") as batch:
        batch.drop_column("fees_collected")
