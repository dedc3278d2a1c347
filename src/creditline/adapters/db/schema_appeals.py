"""Tables of appeals (申诉): ``appeals`` (one row per appeal, its decision written once) and
``appeal_steps`` (append-only: who did what, when). Both are keyed by their line, as every table
hot per line is. The database itself keeps one open appeal per line (``uq_appeals_open``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import TENANT, UtcDateTime


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata)."""
    out: dict[str, Any] = {}
    out["appeals"] = table(
        "appeals",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("party_id", sa.String(40), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False, server_default="{}"),
        sa.Column("submitted_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("decided_limit", sa.BigInteger, nullable=True),
        sa.Column("lifted_freezes", sa.Text, nullable=False, server_default="[]"),
        sa.Column("decision_note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=True),
        sa.Column("decided_by", sa.String(120), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("line_id", "id"),
        sa.CheckConstraint("status IN ('submitted', 'decided')", name="status"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('restore', 'partial', 'reject')", name="outcome"
        ),
        sa.CheckConstraint(
            "(status = 'submitted' AND outcome IS NULL AND decided_at IS NULL) OR "
            "(status = 'decided' AND outcome IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided",
        ),
        sa.CheckConstraint("decided_limit IS NULL OR decided_limit > 0", name="decided_limit"),
    )
    out["appeal_steps"] = table(
        "appeal_steps",
        sa.Column("line_id", sa.String(40), nullable=False),
        sa.Column("appeal_id", sa.String(48), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False, server_default=""),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("line_id", "appeal_id", "n"),
        sa.ForeignKeyConstraint(["line_id", "appeal_id"], ["appeals.line_id", "appeals.id"]),
    )
    return out


#: (name, table, columns, WHERE of a partial index); ``uq_`` names a unique one.
INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("uq_appeals_open", "appeals", ["line_id"], "status = 'submitted'"),
    ("ix_appeals_status_created_at", "appeals", ["status", "created_at"], None),
    ("ix_appeals_party_id", "appeals", ["party_id", "created_at"], None),
]
