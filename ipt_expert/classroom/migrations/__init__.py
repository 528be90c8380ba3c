"""Alembic migrations of the classroom database, run on start by db.migrate (no alembic.ini)."""
