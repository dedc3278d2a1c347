"""Tables of credit decisions (授信): consumers' credit applications (授信申请), one row per
submission (the latest counts), and the limit assessments made, each kept with its whole
answer so that a later review or appeal can cite it. Both are append-only (migration 0011)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import TENANT, UtcDateTime


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata)."""
    out: dict[str, Any] = {}
    out["credit_applications"] = table(
        "credit_applications",
        # The order of submission (two may share an instant on a sandbox clock).
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("submitted_at", UtcDateTime, nullable=False),
    )
    out["limit_assessments"] = table(
        "limit_assessments",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("product", sa.String(24), nullable=False),
        sa.Column("scorecard_version", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("proposed_limit", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        # The answer without its id and time: a repeat of the same assessment is not kept twice.
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("assessed_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("kind IN ('merchant', 'consumer')", name="kind"),
        sa.CheckConstraint("product IN ('merchant_bnpl', 'installment')", name="product"),
        sa.CheckConstraint("decision IN ('approve', 'refer')", name="decision"),
        sa.CheckConstraint("proposed_limit >= 0", name="proposed_limit"),
    )
    return out


INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_credit_applications_party_id", "credit_applications", ["party_id", "seq"], None),
    (
        "ix_limit_assessments_party_id",
        "limit_assessments",
        ["party_id", "product", "seq"],
        None,
    ),
]
