"""The classroom's tables, as SQLAlchemy Core.

The migrations in migrations/versions/ create and change them; this module
describes the newest schema for the queries in store.py (a test checks the two
agree).  Trainee names and answers are as typed (cleaned of control
characters); nothing here ever becomes a path or markup unescaped.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table

metadata = sa.MetaData()

exercises = Table(
    "exercises", metadata,
    Column("id", sa.String(32), primary_key=True),                 # random, in the educator's URLs
    Column("join_code", sa.String(16), nullable=False, unique=True),   # short, for the projector
    Column("title", sa.String(200), nullable=False),
    Column("vignettes", sa.Text, nullable=False),                  # JSON list of vignette ids, in order
    Column("feedback", sa.String(8), nullable=False),              # "each" (after each answer) or "end"
    Column("school", sa.String(16), nullable=False),
    Column("is_open", sa.Boolean, nullable=False),
    Column("created_at", sa.DateTime(timezone=True), nullable=False),
    Column("closed_at", sa.DateTime(timezone=True), nullable=True),
)

trainees = Table(
    "trainees", metadata,
    Column("id", sa.Integer, primary_key=True, autoincrement=True),
    Column("exercise_id", sa.String(32), sa.ForeignKey("exercises.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", sa.String(64), nullable=False, unique=True),   # sha256 of the trainee's secret
    Column("name", sa.String(200), nullable=False),
    Column("name_key", sa.String(200), nullable=False),            # casefolded: 'alice' and 'Alice' are one name
    Column("joined_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("exercise_id", "name_key", name="uq_trainees_exercise_name"),
)

answers = Table(
    "answers", metadata,
    Column("id", sa.Integer, primary_key=True, autoincrement=True),
    Column("exercise_id", sa.String(32), sa.ForeignKey("exercises.id", ondelete="CASCADE"), nullable=False),
    Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
    Column("vignette", sa.String(200), nullable=False),
    Column("primary_area", sa.String(40), nullable=False),
    Column("secondary_area", sa.String(40), nullable=False),
    Column("rationale", sa.Text, nullable=False),
    Column("safety_first", sa.Boolean, nullable=True),            # None: not answered
    Column("revision", sa.Integer, nullable=False),                # 1, then 2, 3... each time it is replaced
    Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("trainee_id", "vignette", name="uq_answers_trainee_vignette"),
    sa.Index("ix_answers_exercise", "exercise_id", "id"),
)
