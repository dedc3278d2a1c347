"""The schema, in SQLAlchemy Core. Hot tables carry ``line_id`` (and ``tenant_id``) first so they
can be distributed by line (Citus-style); the migrations build exactly this.

It is over 400 lines because it is the one place that names every table for the repositories
(``t.lines``, ``t.alerts``...); the tables of the newer contexts are defined in their own
``schema_*`` modules and only named here."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from creditline.adapters.db import (
    schema_access,
    schema_appeals,
    schema_care,
    schema_cases,
    schema_credit,
    schema_incidents,
    schema_installments,
    schema_ledger,
    schema_limits,
    schema_reviews,
    schema_risk,
    schema_settlement,
)
from creditline.adapters.db.schema_risk import CUMULATIVE
from creditline.adapters.db.types import TENANT, UtcDateTime

__all__ = ["CUMULATIVE", "TENANT", "UtcDateTime", "metadata"]


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

parties = Table(
    "parties",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(40), nullable=False, server_default=TENANT),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("category", String(32)),
    Column("credit_score", Integer),
    Column("income_minor", BigInteger),
    Column("real_name_verified", Boolean, nullable=False, server_default="0"),
    Column("qualification_passed", Boolean, nullable=False, server_default="0"),
    Column("settlement_account", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    # The pages' sign-in of a holder (0009): an argon2id hash set by an operator.
    Column("password_hash", String(200)),
    CheckConstraint("kind IN ('merchant', 'consumer')", name="kind"),
)

violations = Table(
    "violations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("party_id", String(40), ForeignKey("parties.id"), nullable=False, index=True),
    Column("note", Text, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
)

# One row per line: identity, status, and the balances of its accounts with the head of its
# hash chain, all updated in the transaction that posts the transfers (checked by verify).
lines = Table(
    "lines",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(40), nullable=False, server_default=TENANT),
    Column("party_id", String(40), ForeignKey("parties.id"), nullable=False, index=True),
    Column("product", String(24), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(24), nullable=False),
    Column("limit_minor", BigInteger, nullable=False, server_default="0"),
    Column("available", BigInteger, nullable=False, server_default="0"),
    Column("held", BigInteger, nullable=False, server_default="0"),
    Column("occupied", BigInteger, nullable=False, server_default="0"),
    Column("frozen", BigInteger, nullable=False, server_default="0"),
    Column("fees_due", BigInteger, nullable=False, server_default="0"),
    Column("fee_income", BigInteger, nullable=False, server_default="0"),
    Column("fees_collected", BigInteger, nullable=False, server_default="0"),
    Column("open_freezes", Integer, nullable=False, server_default="0"),
    # How many occupancy rows of the line are open (0019): a running count, so that the
    # diagnosis and the quota page never count 10,000 index entries to say "10,000 orders".
    Column("open_orders", Integer, nullable=False, server_default="0"),
    Column("limit_target", BigInteger, nullable=True),
    Column("seq", BigInteger, nullable=False, server_default="0"),
    Column("head_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("status IN ('pending_activation', 'active', 'closed')", name="status"),
    CheckConstraint("product IN ('merchant_bnpl', 'installment')", name="product"),
    # TigerBeetle's debits_must_not_exceed_credits: the engine itself refuses an overspend.
    CheckConstraint(
        "available >= 0 AND held >= 0 AND occupied >= 0 AND frozen >= 0 AND fees_due >= 0 "
        "AND fee_income >= 0 AND open_freezes >= 0",
        name="no_overdraft",
    ),
    CheckConstraint(
        "available + held + occupied + frozen = limit_minor", name="accounts_sum_to_limit"
    ),
    sqlite_with_rowid=False,
)
# One open line per party and product (R2): a closed one makes room; two concurrent opens meet here.
_OPEN = sa.text("status <> 'closed'")
Index("uq_lines_party_id_product", lines.c.party_id, lines.c.product, unique=True,
      sqlite_where=_OPEN, postgresql_where=_OPEN)  # fmt: skip

account_kinds = Table(
    "account_kinds",
    metadata,
    Column("code", String(24), primary_key=True),
    Column("normal_side", String(6), nullable=False),
    Column("name_zh", String(40), nullable=False),
    Column("name_en", String(80), nullable=False),
)

ACCOUNT_KINDS = [
    {
        "code": "available",
        "normal_side": "credit",
        "name_zh": "可用额度",
        "name_en": "available quota",
    },
    {
        "code": "held",
        "normal_side": "credit",
        "name_zh": "预授权冻结",
        "name_en": "held (authorised)",
    },
    {
        "code": "occupied",
        "normal_side": "credit",
        "name_zh": "已占用",
        "name_en": "occupied (spent, not repaid)",
    },
    {
        "code": "platform_limit",
        "normal_side": "debit",
        "name_zh": "平台授信",
        "name_en": "limit granted by the platform",
    },
    {
        "code": "frozen",
        "normal_side": "credit",
        "name_zh": "冻结额度",
        "name_en": "frozen by an amount freeze",
    },
    {
        "code": "fees_due",
        "normal_side": "debit",
        "name_zh": "应付滞纳金",
        "name_en": "late fees the holder owes",
    },
    {
        "code": "fee_income",
        "normal_side": "credit",
        "name_zh": "滞纳金收入",
        "name_en": "the platform's late-fee income",
    },
]

# Append-only and hash-chained per line. One row is a transfer: a debit posting and a credit
# posting of the same positive amount, so an unbalanced movement cannot be stored at all.
ledger_transfers = Table(
    "ledger_transfers",
    metadata,
    Column("line_id", String(40), ForeignKey("lines.id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("tenant_id", String(40), nullable=False, server_default=TENANT),
    Column("movement_id", String(80), nullable=False),
    Column("movement", String(16), nullable=False),
    Column("debit_account", String(24), ForeignKey("account_kinds.code"), nullable=False),
    Column("credit_account", String(24), ForeignKey("account_kinds.code"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("ref", String(80), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("line_id", "seq"),
    CheckConstraint("amount > 0", name="positive"),
    CheckConstraint("debit_account <> credit_account", name="two_accounts"),
    CheckConstraint("seq > 0", name="seq"),
)

holds = Table(
    "holds",
    metadata,
    Column("line_id", String(40), ForeignKey("lines.id"), nullable=False),
    Column("id", String(48), nullable=False),
    Column("tenant_id", String(40), nullable=False, server_default=TENANT),
    Column("status", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("purpose", String(24), nullable=False),
    Column("order_id", String(64)),
    Column("counterparty_id", String(64)),
    Column("captured", BigInteger, nullable=False, server_default="0"),
    Column("refunded", BigInteger, nullable=False, server_default="0"),
    Column("reasons", Text, nullable=False, server_default="[]"),
    Column("policy_version", String(40), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # A spend the risk rules approved keeps its verdict here (score, rules that fired, compact
    # features), not in a risk_decisions row: one row fewer in the hot commit.
    Column("risk_features", Text),
    Column("rule_set_version", Integer),
    # Running totals of the line's spend attempts up to and including this one (a prefix sum):
    # a window's count is the newest totals minus those of the last hold before the window,
    # two index seeks however hot the line is.
    *(Column(c, BigInteger) for c in CUMULATIVE),
    CheckConstraint(
        "status IN ('authorized', 'declined', 'captured', 'voided', 'expired')", name="status"
    ),
    CheckConstraint("amount > 0", name="positive"),
    CheckConstraint(
        "captured >= 0 AND refunded >= 0 AND refunded <= captured AND captured <= amount",
        name="captured",
    ),
    PrimaryKeyConstraint("line_id", "id"),
)
# Only open holds can expire; a partial index keeps the rest out of the hot insert.
Index(
    "ix_holds_open_expires_at",
    holds.c.expires_at,
    sqlite_where=holds.c.status == "authorized",
    postgresql_where=holds.c.status == "authorized",
)

# Each line's open holds only (0018): ``why`` and the exposure seek them instead of scanning
# every hold the line ever had.
Index(
    "ix_holds_open_line",
    holds.c.line_id,
    holds.c.expires_at,
    holds.c.id,
    sqlite_where=holds.c.status == "authorized",
    postgresql_where=holds.c.status == "authorized",
)

occupancies = Table(
    "occupancies",
    metadata,
    Column("line_id", String(40), ForeignKey("lines.id"), nullable=False),
    Column("id", String(48), nullable=False),
    Column("tenant_id", String(40), nullable=False, server_default=TENANT),
    Column("hold_id", String(48), nullable=False),
    Column("order_id", String(64)),
    Column("amount", BigInteger, nullable=False),
    Column("outstanding", BigInteger, nullable=False),
    Column("captured_at", UtcDateTime, nullable=False),
    Column("fees_through", Date),
    CheckConstraint("outstanding >= 0 AND outstanding <= amount", name="outstanding"),
    PrimaryKeyConstraint("line_id", "id"),
    ForeignKeyConstraint(["line_id", "hold_id"], ["holds.line_id", "holds.id"]),
    sqlite_with_rowid=False,
)
Index("ix_occupancies_line_id_captured_at", occupancies.c.line_id, occupancies.c.captured_at)
# Open occupancy only, oldest first: ``why``, exposure and the lock's oldest-open summary seek
# it without scanning repaid orders.
Index(
    "ix_occupancies_open",
    occupancies.c.line_id,
    occupancies.c.captured_at,
    occupancies.c.id,
    occupancies.c.outstanding,  # covering (0018): the overdue count and total from the index alone
    sqlite_where=text("outstanding > 0"),
    postgresql_where=text("outstanding > 0"),
)

#: A line's balances at the end of each Beijing day it moved (a running aggregate written with
#: the postings): the quota history reads one row per day, never the whole ledger.
line_day_ends = Table(
    "line_day_ends",
    metadata,
    Column("line_id", String(40), ForeignKey("lines.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("tenant_id", String(40), nullable=False, server_default=TENANT),
    Column("seq", BigInteger, nullable=False),
    *(
        Column(c, BigInteger, nullable=False)
        for c in (
            "available",
            "held",
            "occupied",
            "frozen",
            "limit_minor",
            "fees_due",
            "fee_income",
            "fees_collected",
        )
    ),
    PrimaryKeyConstraint("line_id", "day"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("refused", Boolean, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("scope", "key"),
)

freezes = Table(
    "freezes",
    metadata,
    Column("line_id", String(40), ForeignKey("lines.id"), nullable=False),
    Column("id", String(48), nullable=False),
    Column("tenant_id", String(40), nullable=False, server_default=TENANT),
    Column("reason", String(24), nullable=False),
    Column("amount", BigInteger),
    Column("currency", String(3), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime),
    Column("status", String(8), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("policy_version", String(40), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("close_note", Text),
    Column("ends_provisional", Boolean, nullable=False, server_default="0"),  # see Freeze
    PrimaryKeyConstraint("line_id", "id"),
    CheckConstraint(
        "reason IN ('risk', 'occupancy', 'qualification', 'dispute', 'system_fault', 'operator', "
        "'installment_overdue')",
        name="reason",
    ),
    CheckConstraint("status IN ('active', 'lifted', 'expired')", name="status"),
    CheckConstraint("amount IS NULL OR amount > 0", name="amount"),
    CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends"),
    sqlite_with_rowid=False,
)
Index(
    "ix_freezes_active_ends_at",
    freezes.c.ends_at,
    sqlite_where=freezes.c.status == "active",
    postgresql_where=freezes.c.status == "active",
)

documents = Table(
    "documents",
    metadata,
    Column("party_id", String(40), ForeignKey("parties.id"), nullable=False),
    Column("id", String(40), nullable=False),
    Column("type", String(24), nullable=False),
    Column("submitted_on", Date, nullable=False),
    Column("expires_on", Date),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("party_id", "id"),
    CheckConstraint("expires_on IS NULL OR expires_on >= submitted_on", name="dates"),
    sqlite_with_rowid=False,
)

# Append-only: a policy change is a new row with an effective time, never an edit.
policy_changes = Table(
    "policy_changes",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("key", String(40), nullable=False),
    # 200 since 0011: a policy value may be a list of score bands (560:5000.00,600:20000.00).
    Column("value", String(200), nullable=False),
    Column("effective_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
)

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("is_workday", Boolean, nullable=False),
    Column("name", String(40), nullable=False, server_default=""),
    Column("source", String(80), nullable=False),
    Column("loaded_at", UtcDateTime, nullable=False),
)

# The outbox of domain events, written in the transaction of the change it reports.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("type", String(40), nullable=False, index=True),
    Column("line_id", String(40)),
    Column("party_id", String(40)),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


def _table(name: str, *columns: Any, **kw: Any) -> Table:
    return Table(name, metadata, *columns, **kw)


_settlement = schema_settlement.define(_table)
orders = _settlement["orders"]
suppliers = _settlement["suppliers"]
split_rules = _settlement["split_rules"]
funds_books = _settlement["funds_books"]
funds_transfers = _settlement["funds_transfers"]
settlements = _settlement["settlements"]
payouts = _settlement["payouts"]
channel_records = _settlement["channel_records"]
cases = _settlement["cases"]
case_history = schema_cases.define(_table)["case_history"]
_risk = schema_risk.define(_table)
party_identifiers = _risk["party_identifiers"]
logins = _risk["logins"]
rule_sets = _risk["rule_sets"]
risk_models = _risk["risk_models"]
risk_decisions = _risk["risk_decisions"]
risk_labels = _risk["risk_labels"]
rings = _risk["rings"]
ring_members = _risk["ring_members"]
_ledger = schema_ledger.define(_table)
ledger_checkpoints = _ledger["ledger_checkpoints"]
ledger_keys = _ledger["ledger_keys"]
_access = schema_access.define(_table)
operators = _access["operators"]
api_keys = _access["api_keys"]
audit_log = _access["audit_log"]
api_idempotency = _access["api_idempotency"]
webhook_endpoints = _access["webhook_endpoints"]
webhook_deliveries = _access["webhook_deliveries"]
webhook_attempts = _access["webhook_attempts"]
outbox_cursors = _access["outbox_cursors"]
alerts = _access["alerts"]
service_figures = schema_care.define(_table)["service_figures"]
_credit = schema_credit.define(_table)
credit_applications = _credit["credit_applications"]
limit_assessments = _credit["limit_assessments"]
_limits = schema_limits.define(_table)
limit_changes = _limits["limit_changes"]
limit_requests = _limits["limit_requests"]
_incidents = schema_incidents.define(_table)
incidents = _incidents["incidents"]
incident_lines = _incidents["incident_lines"]
temporary_quotas = _incidents["temporary_quotas"]
_appeals = schema_appeals.define(_table)
appeals = _appeals["appeals"]
appeal_steps = _appeals["appeal_steps"]
_reviews = schema_reviews.define(_table)
review_runs = _reviews["review_runs"]
review_outcomes = _reviews["review_outcomes"]
_installments = schema_installments.define(_table)
installment_promotions = _installments["installment_promotions"]
installment_plans = _installments["installment_plans"]
installment_periods = _installments["installment_periods"]
installment_entries = _installments["installment_entries"]
for _name, _table_name, _columns, _where in [
    *schema_settlement.INDEXES,
    *schema_risk.INDEXES,
    *schema_credit.INDEXES,
    *schema_appeals.INDEXES,
    *schema_incidents.INDEXES,
    *schema_reviews.INDEXES,
    *schema_installments.INDEXES,
    *schema_access.INDEXES,
]:
    _t = metadata.tables[_table_name]
    _w = sa.text(_where) if _where else None
    Index(
        _name,
        *(_t.c[c] for c in _columns),
        unique=_name.startswith("uq_"),
        sqlite_where=_w,
        postgresql_where=_w,
    )
