"""Alembic's environment: always handed a live connection by ipt_expert.classroom.db.migrate."""
from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:     # pragma: no cover - only `alembic` run by hand without db.migrate
    raise RuntimeError("run the classroom's migrations through ipt_expert.classroom.db.migrate")
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
