"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}

Frozen once released: never edit it, never import creditline (only sqlalchemy, alembic and the
standard library), spell out every type, default and name (``op.f``); tests/test_migrations.py
checks that head equals the live tables and that a released database upgrades intact.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
