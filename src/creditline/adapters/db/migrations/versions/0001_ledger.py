"""The foundation: parties, lines, the append-only hash-chained ledger, holds, idempotency.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from creditline.adapters.db.ddl import append_only
from creditline.adapters.db.tables import ACCOUNT_KINDS
from creditline.adapters.db.types import TENANT, UtcDateTime
from creditline.domain.policy import seed_changes

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("ledger_transfers", "policy_changes", "events")


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32)),
        sa.Column("credit_score", sa.Integer),
        sa.Column("income_minor", sa.BigInteger),
        sa.Column("real_name_verified", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("qualification_passed", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("settlement_account", sa.String(64)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("kind IN ('merchant', 'consumer')", name="kind"),
    )
    op.create_table(
        "violations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False, index=True
        ),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime),
    )
    op.create_table(
        "lines",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column(
            "party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False, index=True
        ),
        sa.Column("product", sa.String(24), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("limit_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("available", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("held", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("occupied", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("frozen", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("fees_due", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("fee_income", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("open_freezes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("status IN ('pending_activation', 'active', 'closed')", name="status"),
        sa.CheckConstraint("product IN ('merchant_bnpl', 'installment')", name="product"),
        sa.CheckConstraint(
            "available >= 0 AND held >= 0 AND occupied >= 0 AND frozen >= 0 AND fees_due >= 0 "
            "AND fee_income >= 0 AND open_freezes >= 0",
            name="no_overdraft",
        ),
        sa.CheckConstraint(
            "available + held + occupied + frozen = limit_minor", name="accounts_sum_to_limit"
        ),
    )
    kinds = op.create_table(
        "account_kinds",
        sa.Column("code", sa.String(24), primary_key=True),
        sa.Column("normal_side", sa.String(6), nullable=False),
        sa.Column("name_zh", sa.String(40), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False),
    )
    op.bulk_insert(kinds, ACCOUNT_KINDS)
    op.create_table(
        "ledger_transfers",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("movement_id", sa.String(80), nullable=False),
        sa.Column("movement", sa.String(16), nullable=False),
        sa.Column(
            "debit_account", sa.String(24), sa.ForeignKey("account_kinds.code"), nullable=False
        ),
        sa.Column(
            "credit_account", sa.String(24), sa.ForeignKey("account_kinds.code"), nullable=False
        ),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("ref", sa.String(80), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("line_id", "seq"),
        sa.CheckConstraint("amount > 0", name="positive"),
        sa.CheckConstraint("debit_account <> credit_account", name="two_accounts"),
        sa.CheckConstraint("seq > 0", name="seq"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "holds",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("order_id", sa.String(64)),
        sa.Column("counterparty_id", sa.String(64)),
        sa.Column("captured", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("refunded", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "status IN ('authorized', 'declined', 'captured', 'voided', 'expired')",
            name="status",
        ),
        sa.CheckConstraint("amount > 0", name="positive"),
        sa.CheckConstraint(
            "captured >= 0 AND refunded >= 0 AND refunded <= captured AND captured <= amount",
            name="captured",
        ),
        sa.PrimaryKeyConstraint("line_id", "id"),
    )
    op.create_index(
        "ix_holds_open_expires_at",
        "holds",
        ["expires_at"],
        sqlite_where=sa.text("status = 'authorized'"),
        postgresql_where=sa.text("status = 'authorized'"),
    )
    op.create_table(
        "occupancies",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("hold_id", sa.String(48), nullable=False),
        sa.Column("order_id", sa.String(64)),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("outstanding", sa.BigInteger, nullable=False),
        sa.Column("captured_at", UtcDateTime, nullable=False),
        sa.Column("fees_through", sa.Date),
        sa.CheckConstraint("outstanding >= 0 AND outstanding <= amount", name="outstanding"),
        sa.PrimaryKeyConstraint("line_id", "id"),
        sa.ForeignKeyConstraint(["line_id", "hold_id"], ["holds.line_id", "holds.id"]),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_occupancies_line_id_captured_at", "occupancies", ["line_id", "captured_at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("refused", sa.Boolean, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
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


def _policy_and_calendar() -> None:
    changes = op.create_table(
        "policy_changes",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("effective_at", UtcDateTime, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.bulk_insert(
        changes,
        [
            {"key": key, "value": value, "effective_at": at, "recorded_at": at, "note": note}
            for key, value, at, note in seed_changes()
        ],
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("is_workday", sa.Boolean, nullable=False),
        sa.Column("name", sa.String(40), nullable=False, server_default=""),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("loaded_at", UtcDateTime, nullable=False),
    )


def _freezes_documents_events() -> None:
    op.create_table(
        "freezes",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("ends_at", UtcDateTime),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime),
        sa.Column("close_note", sa.Text),
        sa.PrimaryKeyConstraint("line_id", "id"),
        sa.CheckConstraint(
            "reason IN ('risk', 'occupancy', 'qualification', 'dispute', 'system_fault', "
            "'operator')",
            name="reason",
        ),
        sa.CheckConstraint("status IN ('active', 'lifted', 'expired')", name="status"),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name="amount"),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_freezes_active_ends_at",
        "freezes",
        ["ends_at"],
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "documents",
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("party_id", "id"),
        sa.CheckConstraint("expires_on IS NULL OR expires_on >= submitted_on", name="dates"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(40), nullable=False, index=True),
        sa.Column("line_id", sa.String(40)),
        sa.Column("party_id", sa.String(40)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


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
