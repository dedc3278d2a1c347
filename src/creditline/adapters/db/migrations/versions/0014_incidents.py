"""Incidents (系统故障) over lines and temporary quota (临时额度).

Revision ID: 0014
Revises: 0013

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
TENANT = "default"


def _ref(table: str, column: str, length: int, target: str) -> sa.Column[str]:
    referred = target.split(".", maxsplit=1)[0]
    return sa.Column(
        column,
        sa.String(length),
        sa.ForeignKey(target, name=op.f(f"fk_{table}_{column}_{referred}")),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("opened_at", UTC_TIME, nullable=False),
        sa.Column("opened_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("estimated_clear_at", UTC_TIME, nullable=True),
        sa.Column("closed_at", UTC_TIME, nullable=True),
        sa.Column("closed_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("close_note", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_incidents_status")),
    )
    op.create_table(
        "incident_lines",
        _ref("incident_lines", "incident_id", 40, "incidents.id"),
        _ref("incident_lines", "line_id", 40, "lines.id"),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("freeze_id", sa.String(48), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "line_id", name=op.f("pk_incident_lines")),
    )
    op.create_table(
        "temporary_quotas",
        _ref("temporary_quotas", "line_id", 40, "lines.id"),
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False, server_default=TENANT),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(120), nullable=False, server_default=""),
        sa.Column("grant_change", sa.String(48), nullable=False),
        sa.Column("end_change", sa.String(48), nullable=False, server_default=""),
        sa.Column("ended_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("line_id", "id", name=op.f("pk_temporary_quotas")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_temporary_quotas_amount")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_temporary_quotas_ends")),
        sa.CheckConstraint(
            "status IN ('active', 'ended')", name=op.f("ck_temporary_quotas_status")
        ),
    )
    op.create_index("ix_incidents_status_opened_at", "incidents", ["status", "opened_at"])
    op.create_index("ix_incident_lines_line_id", "incident_lines", ["line_id"])
    op.create_index(
        "ix_temporary_quotas_active_ends_at",
        "temporary_quotas",
        ["ends_at"],
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_table("temporary_quotas")
    op.drop_table("incident_lines")
    op.drop_table("incidents")
