"""Alembic environment: runs the migrations on the connection handed in by ``creditline init``.

No ``target_metadata``: the live tables would lend the migrations their naming convention, and
an edit to them would then change what a released migration creates. Migrations are written by
hand, every name spelled out; tests/test_migrations.py compares the result with the live tables.
"""

from __future__ import annotations

from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
