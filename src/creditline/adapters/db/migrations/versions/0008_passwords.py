"""Passwords for the pages' sign-in: an operator may have an argon2id password hash.

Revision ID: 0008
Revises: 0007

Frozen: once released, databases are built by this file, so it never changes and never
imports creditline. Every type, default and name is written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("operators", sa.Column("password_hash", sa.String(200), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): no table rebuild, so the keys referring to
    # operators are left as they are.
    op.execute("ALTER TABLE operators DROP COLUMN password_hash")
