"""The foundation: parties, lines, the append-only hash-chained ledger, holds, idempotency.

Revision ID: 0001
Revises:

Frozen: released databases were built by this file, so it never changes and never imports
creditline. Every type, default, name and seed row is written out as it was released, names
wrapped in ``op.f`` so that no naming convention can rename them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TENANT = "default"
# What creditline's UtcDateTime compiled to: DATETIME on SQLite, TIMESTAMP WITH TIME ZONE on
# PostgreSQL (the UTC conversion is the application's, not the schema's).
UTC_TIME = sa.DateTime(timezone=True)
APPEND_ONLY = ("ledger_transfers", "policy_changes", "events")
SIDES = ("debit_account", "credit_account")
ACCOUNT_KINDS = [
    ("available", "credit", "可用额度", "available quota"),
    ("held", "credit", "预授权冻结", "held (authorised)"),
    ("occupied", "credit", "已占用", "occupied (spent, not repaid)"),
    ("platform_limit", "debit", "平台授信", "limit granted by the platform"),
    ("frozen", "credit", "冻结额度", "frozen by an amount freeze"),
    ("fees_due", "debit", "应付滞纳金", "late fees the holder owes"),
    ("fee_income", "credit", "滞纳金收入", "the platform's late-fee income"),
]
# Policy as seeded in 2024: every default from 2020-01-01 00:00 Beijing time, and the temporary
# freeze cut from 72 to 24 hours on 2023-09-01 00:00 Beijing time.
_EPOCH = datetime(2019, 12, 31, 16, tzinfo=UTC)
_CUT = datetime(2023, 8, 31, 16, tzinfo=UTC)
POLICY_SEED = [
    ("hold_timeout_days", "7", _EPOCH, "seed"),
    ("max_single_spend", "1000000.00", _EPOCH, "seed"),
    ("large_spend_threshold", "50000.00", _EPOCH, "seed"),
    ("max_large_spends_per_day", "5", _EPOCH, "seed"),
    ("occupancy_limit_days", "30", _EPOCH, "seed"),
    ("late_fee_daily_rate", "0.0005", _EPOCH, "seed"),
    ("temporary_freeze_hours", "72", _EPOCH, "seed"),
    ("split_window", "10:00-16:00", _EPOCH, "seed"),
    ("compensation_cap", "500.00", _EPOCH, "seed"),
    (
        "temporary_freeze_hours",
        "24",
        _CUT,
        "临时冻结由72小时缩短为24小时 / temporary freeze shortened to 24 hours",
    ),
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


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT)


def _zero(name: str, kind: type[sa.BigInteger | sa.Integer] = sa.BigInteger) -> sa.Column[int]:
    return sa.Column(name, kind, nullable=False, server_default="0")


def upgrade() -> None:
    _parties_and_lines()
    _ledger_and_holds()
    _policy_and_calendar()
    _freezes_documents_events()
    for table in APPEND_ONLY:
        append_only(table)
    # Every transfer as its two postings: debit negative, credit positive; each movement sums
    # to zero, and so does every line.
    op.execute(
        "CREATE VIEW postings AS "
        "SELECT line_id, seq, movement_id, debit_account AS account, -amount AS amount, "
        "currency FROM ledger_transfers "
        "UNION ALL "
        "SELECT line_id, seq, movement_id, credit_account AS account, amount, currency "
        "FROM ledger_transfers"
    )


def _parties_and_lines() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        _pk("meta", "key"),
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.String(40), nullable=False),
        _tenant(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32)),
        sa.Column("credit_score", sa.Integer),
        sa.Column("income_minor", sa.BigInteger),
        sa.Column("real_name_verified", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("qualification_passed", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("settlement_account", sa.String(64)),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _pk("parties", "id"),
        _ck("parties", "kind", "kind IN ('merchant', 'consumer')"),
    )
    op.create_table(
        "violations",
        sa.Column("id", sa.String(40), nullable=False),
        _ref("violations", "party_id", sa.String(40), "parties.id"),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("opened_at", UTC_TIME, nullable=False),
        sa.Column("closed_at", UTC_TIME),
        _pk("violations", "id"),
    )
    op.create_index(op.f("ix_violations_party_id"), "violations", ["party_id"])
    op.create_table(
        "lines",
        sa.Column("id", sa.String(40), nullable=False),
        _tenant(),
        _ref("lines", "party_id", sa.String(40), "parties.id"),
        sa.Column("product", sa.String(24), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        *(_zero(n) for n in ("limit_minor", "available", "held", "occupied", "frozen")),
        *(_zero(n) for n in ("fees_due", "fee_income")),
        _zero("open_freezes", sa.Integer),
        _zero("seq"),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        _pk("lines", "id"),
        _ck("lines", "status", "status IN ('pending_activation', 'active', 'closed')"),
        _ck("lines", "product", "product IN ('merchant_bnpl', 'installment')"),
        _ck(
            "lines",
            "no_overdraft",
            "available >= 0 AND held >= 0 AND occupied >= 0 AND frozen >= 0 AND fees_due >= 0 "
            "AND fee_income >= 0 AND open_freezes >= 0",
        ),
        _ck("lines", "accounts_sum_to_limit", "available + held + occupied + frozen = limit_minor"),
    )
    op.create_index(op.f("ix_lines_party_id"), "lines", ["party_id"])


def _ledger_and_holds() -> None:
    kinds = op.create_table(
        "account_kinds",
        sa.Column("code", sa.String(24), nullable=False),
        sa.Column("normal_side", sa.String(6), nullable=False),
        sa.Column("name_zh", sa.String(40), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False),
        _pk("account_kinds", "code"),
    )
    keys = ("code", "normal_side", "name_zh", "name_en")
    op.bulk_insert(kinds, [dict(zip(keys, row, strict=True)) for row in ACCOUNT_KINDS])
    op.create_table(
        "ledger_transfers",
        _ref("ledger_transfers", "line_id", sa.String(40), "lines.id"),
        sa.Column("seq", sa.BigInteger, nullable=False),
        _tenant(),
        sa.Column("movement_id", sa.String(80), nullable=False),
        sa.Column("movement", sa.String(16), nullable=False),
        *(_ref("ledger_transfers", side, sa.String(24), "account_kinds.code") for side in SIDES),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("ref", sa.String(80), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        _pk("ledger_transfers", "line_id", "seq"),
        _ck("ledger_transfers", "positive", "amount > 0"),
        _ck("ledger_transfers", "two_accounts", "debit_account <> credit_account"),
        _ck("ledger_transfers", "seq", "seq > 0"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "holds",
        _ref("holds", "line_id", sa.String(40), "lines.id"),
        sa.Column("id", sa.String(48), nullable=False),
        _tenant(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("order_id", sa.String(64)),
        sa.Column("counterparty_id", sa.String(64)),
        _zero("captured"),
        _zero("refunded"),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        _ck(
            "holds",
            "status",
            "status IN ('authorized', 'declined', 'captured', 'voided', 'expired')",
        ),
        _ck("holds", "positive", "amount > 0"),
        _ck(
            "holds",
            "captured",
            "captured >= 0 AND refunded >= 0 AND refunded <= captured AND captured <= amount",
        ),
        _pk("holds", "line_id", "id"),
    )
    op.create_index(
        op.f("ix_holds_open_expires_at"),
        "holds",
        ["expires_at"],
        sqlite_where=sa.text("status = 'authorized'"),
        postgresql_where=sa.text("status = 'authorized'"),
    )
    op.create_table(
        "occupancies",
        _ref("occupancies", "line_id", sa.String(40), "lines.id"),
        sa.Column("id", sa.String(48), nullable=False),
        _tenant(),
        sa.Column("hold_id", sa.String(48), nullable=False),
        sa.Column("order_id", sa.String(64)),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("outstanding", sa.BigInteger, nullable=False),
        sa.Column("captured_at", UTC_TIME, nullable=False),
        sa.Column("fees_through", sa.Date),
        _ck("occupancies", "outstanding", "outstanding >= 0 AND outstanding <= amount"),
        _pk("occupancies", "line_id", "id"),
        sa.ForeignKeyConstraint(
            ["line_id", "hold_id"],
            ["holds.line_id", "holds.id"],
            name=op.f("fk_occupancies_line_id_holds"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_occupancies_line_id_captured_at"), "occupancies", ["line_id", "captured_at"]
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("refused", sa.Boolean, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _pk("idempotency_keys", "scope", "key"),
    )


def _policy_and_calendar() -> None:
    changes = op.create_table(
        "policy_changes",
        sa.Column("version", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("effective_at", UTC_TIME, nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        _pk("policy_changes", "version"),
    )
    op.bulk_insert(
        changes,
        [
            {"key": key, "value": value, "effective_at": at, "recorded_at": at, "note": note}
            for key, value, at, note in POLICY_SEED
        ],
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("is_workday", sa.Boolean, nullable=False),
        sa.Column("name", sa.String(40), nullable=False, server_default=""),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("loaded_at", UTC_TIME, nullable=False),
        _pk("calendar_days", "day"),
    )


def _freezes_documents_events() -> None:
    op.create_table(
        "freezes",
        _ref("freezes", "line_id", sa.String(40), "lines.id"),
        sa.Column("id", sa.String(48), nullable=False),
        _tenant(),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("closed_at", UTC_TIME),
        sa.Column("close_note", sa.Text),
        _pk("freezes", "line_id", "id"),
        _ck(
            "freezes",
            "reason",
            "reason IN ('risk', 'occupancy', 'qualification', 'dispute', 'system_fault', "
            "'operator')",
        ),
        _ck("freezes", "status", "status IN ('active', 'lifted', 'expired')"),
        _ck("freezes", "amount", "amount IS NULL OR amount > 0"),
        _ck("freezes", "ends", "ends_at IS NULL OR ends_at > starts_at"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_freezes_active_ends_at"),
        "freezes",
        ["ends_at"],
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "documents",
        _ref("documents", "party_id", sa.String(40), "parties.id"),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _pk("documents", "party_id", "id"),
        _ck("documents", "dates", "expires_on IS NULL OR expires_on >= submitted_on"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("line_id", sa.String(40)),
        sa.Column("party_id", sa.String(40)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _pk("events", "id"),
    )
    op.create_index(op.f("ix_events_type"), "events", ["type"])


def downgrade() -> None:
    op.execute("DROP VIEW postings")
    for name in ("events", "calendar_days", "policy_changes", "documents", "freezes"):
        op.drop_table(name)
    for name in (
        "idempotency_keys",
        "occupancies",
        "holds",
        "ledger_transfers",
        "account_kinds",
        "lines",
        "violations",
        "parties",
        "meta",
    ):
        op.drop_table(name)
