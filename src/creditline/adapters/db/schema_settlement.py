"""Tables of settlement (分账), payouts and the funds books, as the live code sees them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import TENANT, UtcDateTime
from creditline.domain.ledger import FUNDS_BOOK


def _zero(name: str, kind: type[sa.BigInteger | sa.Integer]) -> sa.Column[Any]:
    return sa.Column(name, kind, nullable=False, server_default="0")


def _flag(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean, nullable=False, server_default="0")


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to the metadata)."""
    out: dict[str, Any] = {}
    out["orders"] = table(
        "orders",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("merchant_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _zero("returned", sa.BigInteger),
        sa.Column("buyer", sa.String(64)),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("dunning", sa.String(12), nullable=False, server_default="none"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("shipped_at", UtcDateTime),
        sa.Column("confirmed_at", UtcDateTime),
        sa.Column("split_due_at", UtcDateTime),
        sa.Column("split_id", sa.String(48)),
        _flag("no_shipping"),
        _flag("auto_confirmed"),
        _flag("split_due_provisional"),
        sa.CheckConstraint("amount > 0 AND returned >= 0 AND returned <= amount", name="amounts"),
        sa.CheckConstraint("state IN ('paid', 'shipped', 'confirmed', 'returned')", name="state"),
    )
    out["suppliers"] = table(
        "suppliers",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("merchant_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tier", sa.String(10), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("tier IN ('core', 'ordinary')", name="tier"),
    )
    out["split_rules"] = table(
        "split_rules",
        sa.Column("merchant_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("repayment_bp", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("merchant_id", "version"),
    )
    out["funds_books"] = table(
        "funds_books",
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        *(_zero(a.value, sa.BigInteger) for a in FUNDS_BOOK.accounts),
        _zero("seq", sa.BigInteger),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "escrow >= 0 AND supplier_payable >= 0 AND merchant_balance >= 0 "
            "AND withdrawal_payable >= 0",
            name="no_overdraft",
        ),
        sa.CheckConstraint("receivable >= 0", name="receivable"),
        sa.CheckConstraint("promotion_fees >= 0", name="promotion_fees"),
    )
    out["funds_transfers"] = table(
        "funds_transfers",
        sa.Column("party_id", sa.String(40), sa.ForeignKey("funds_books.party_id"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
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
        sa.PrimaryKeyConstraint("party_id", "seq"),
        sa.CheckConstraint("amount > 0", name="positive"),
        sa.CheckConstraint("debit_account <> credit_account", name="two_accounts"),
    )
    out["settlements"] = table(
        "settlements",
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("settled_at", UtcDateTime, nullable=False),
        sa.Column("available_on", sa.Date, nullable=False),
        _flag("provisional"),
        sa.PrimaryKeyConstraint("party_id", "id"),
        sa.CheckConstraint("amount > 0", name="positive"),
    )
    out["payouts"] = table(
        "payouts",
        sa.Column("id", sa.String(48), primary_key=True),
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
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
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("paid_at", UtcDateTime),
        sa.CheckConstraint("amount > 0", name="positive"),
        sa.CheckConstraint("status IN ('pending', 'paid')", name="status"),
    )
    # The simulated channel's own books: what it says it paid, one row per answer. The database
    # refuses a second payment of one payout.
    out["channel_records"] = table(
        "channel_records",
        sa.Column("payout_id", sa.String(48), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("channel_ref", sa.String(64)),
        sa.Column("answered_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("payout_id", "attempt"),
    )
    out["cases"] = table(
        "cases",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("party_id", sa.String(40)),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
    )
    return out


INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_orders_merchant_id", "orders", ["merchant_id"], None),
    ("ix_orders_split_due_at", "orders", ["split_due_at"], "split_id IS NULL"),
    ("ix_orders_shipped_at", "orders", ["shipped_at"], "state = 'shipped'"),
    ("ix_payouts_next_attempt_at", "payouts", ["next_attempt_at"], "status = 'pending'"),
    ("ix_payouts_party_id", "payouts", ["party_id"], None),
    ("uq_channel_records_paid", "channel_records", ["payout_id"], "outcome = 'paid'"),
]
