"""Tables of periodic limit reviews (额度复审): the runs of the review job, and each line's
outcomes (keyed by line, numbered in the line's order), whose facts the next review reads (the
credit score and income a fall is measured from). Migration 0013 builds them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from creditline.adapters.db.types import TENANT, UtcDateTime


def define(table: Callable[..., Any]) -> dict[str, Any]:
    """Define the tables with ``table`` (``sa.Table`` bound to metadata)."""
    out: dict[str, Any] = {}
    out["review_runs"] = table(
        "review_runs",
        # The order runs started in (two may share an instant on a sandbox clock).
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False, server_default=""),
        sa.Column("party_id", sa.String(40)),
        sa.Column("policy_version", sa.String(40), nullable=False, server_default=""),
        sa.Column("counts", sa.Text, nullable=False, server_default="{}"),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime),
        sa.CheckConstraint("source IN ('manual', 'schedule')", name="source"),
    )
    out["review_outcomes"] = table(
        "review_outcomes",
        sa.Column("line_id", sa.String(40), sa.ForeignKey("lines.id"), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("party_id", sa.String(40), nullable=False),
        # NULL: restored at once by a resubmitted document, outside any run.
        sa.Column("review_id", sa.String(40)),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("from_limit", sa.BigInteger, nullable=False),
        sa.Column("to_limit", sa.BigInteger, nullable=False),
        sa.Column("base_limit", sa.BigInteger, nullable=False),
        sa.Column("pending", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("facts", sa.Text, nullable=False, server_default="{}"),
        sa.Column("change_id", sa.String(48)),
        sa.Column("policy_version", sa.String(40), nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("line_id", "n"),
        sa.CheckConstraint("decision IN ('raised', 'lowered', 'unchanged')", name="decision"),
        sa.CheckConstraint(
            "from_limit >= 0 AND to_limit >= 0 AND base_limit >= 0 AND pending >= 0",
            name="amounts",
        ),
        sqlite_with_rowid=False,
    )
    return out


INDEXES: list[tuple[str, str, list[str], str | None]] = [
    # The worker's question: which lines have no outcome since the cut-off?
    ("ix_review_outcomes_line_id_created_at", "review_outcomes", ["line_id", "created_at"], None),
    ("ix_review_outcomes_review_id", "review_outcomes", ["review_id", "line_id"], None),
]
