"""Tables of the risk engine (风控): identifiers, logins, rule sets, scored events, labels, rings.

Shared by tables.py and the migration that creates them, so the two cannot drift. Party-level
tables are keyed by ``party_id`` first (their distribution key); scored spends carry the line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import TENANT, UtcDateTime
from creditline.domain.risk.features import RUNNING_TOTALS

#: Running totals kept on each hold row, in this order (see tables.holds).
CUMULATIVE = RUNNING_TOTALS


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata, or ``op.create_table``)."""
    out: dict[str, Any] = {}
    out["party_identifiers"] = table(
        "party_identifiers",
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("party_id", "kind", "value"),
        sa.CheckConstraint(
            "kind IN ('device', 'phone', 'bank_account', 'address', 'login_ip')", name="kind"
        ),
    )
    out["logins"] = table(
        "logins",
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("device", sa.String(128), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("device_new", sa.Boolean, nullable=False),
        sa.Column("ip_new", sa.Boolean, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("party_id", "id"),
    )
    out["rule_sets"] = table(
        "rule_sets",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("loaded_at", UtcDateTime, nullable=False),
    )
    out["risk_models"] = table(
        "risk_models",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("loaded_at", UtcDateTime, nullable=False),
    )
    out["risk_decisions"] = table(
        "risk_decisions",
        sa.Column("party_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("line_id", sa.String(40)),
        sa.Column("event", sa.String(12), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("rule_set_version", sa.Integer, nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("features", sa.Text, nullable=False),
        sa.Column("review", sa.String(10), nullable=False, server_default="none"),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", UtcDateTime),
        sa.Column("note", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("party_id", "id"),
        sa.CheckConstraint("outcome IN ('approve', 'review', 'decline')", name="outcome"),
        sa.CheckConstraint("review IN ('none', 'pending', 'approved', 'declined')", name="review"),
        sqlite_with_rowid=False,
    )
    out["risk_labels"] = table(
        "risk_labels",
        sa.Column("subject_kind", sa.String(8), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("label", sa.String(8), nullable=False),
        sa.Column("pattern", sa.String(24)),
        sa.Column("ring", sa.String(40)),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("subject_kind", "subject_id"),
        sa.CheckConstraint("subject_kind IN ('party', 'event')", name="subject_kind"),
        sa.CheckConstraint("label IN ('fraud', 'cleared')", name="label"),
    )
    out["rings"] = table(
        "rings",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("members", sa.Text, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("pattern", sa.String(24), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("first_seen", UtcDateTime, nullable=False),
        sa.Column("last_seen", UtcDateTime, nullable=False),
    )
    out["ring_members"] = table(
        "ring_members",
        sa.Column("party_id", sa.String(40), primary_key=True),
        sa.Column("ring_id", sa.String(40), nullable=False),
    )
    return out


INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_party_identifiers_kind_value", "party_identifiers", ["kind", "value"], None),
    ("ix_logins_party_id_at", "logins", ["party_id", "at"], None),
    ("ix_risk_decisions_pending", "risk_decisions", ["subject"], "review = 'pending'"),
    ("ix_holds_line_id_created_at", "holds", ["line_id", "created_at", "cum_attempts"], None),
    ("ix_holds_refunded", "holds", ["line_id", "created_at"], "refunded > 0"),
    ("ix_orders_merchant_id_created_at", "orders", ["merchant_id", "created_at"], None),
]
