"""The classroom: exercises, trainees and their answers.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercises",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("join_code", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("vignettes", sa.Text, nullable=False),
        sa.Column("feedback", sa.String(8), nullable=False),
        sa.Column("school", sa.String(16), nullable=False),
        sa.Column("is_open", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("join_code", name="uq_exercises_join_code"),
    )
    op.create_table(
        "trainees",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("exercise_id", sa.String(32), sa.ForeignKey("exercises.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_trainees_token_hash"),
        sa.UniqueConstraint("exercise_id", "name_key", name="uq_trainees_exercise_name"),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("exercise_id", sa.String(32), sa.ForeignKey("exercises.id", ondelete="CASCADE"), nullable=False),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("vignette", sa.String(200), nullable=False),
        sa.Column("primary_area", sa.String(40), nullable=False),
        sa.Column("secondary_area", sa.String(40), nullable=False),
        sa.Column("rationale", sa.Text, nullable=False),
        sa.Column("safety_first", sa.Boolean, nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("trainee_id", "vignette", name="uq_answers_trainee_vignette"),
    )
    op.create_index("ix_answers_exercise", "answers", ["exercise_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_answers_exercise", table_name="answers")
    op.drop_table("answers")
    op.drop_table("trainees")
    op.drop_table("exercises")
