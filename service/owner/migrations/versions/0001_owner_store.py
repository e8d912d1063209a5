"""The owner store: recorded answers, feedback, the question log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("site_key", sa.String(100), nullable=True),
        sa.Column("conversation_id", sa.String(100), nullable=False),
    )
    op.create_index("ix_answers_created_at", "answers", ["created_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("answer_id", sa.String(64), nullable=False, unique=True),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("site_key", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_rating", "feedback", ["rating"])
    op.create_index("ix_feedback_site_key", "feedback", ["site_key"])
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("answer_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("site_key", sa.String(100), nullable=True),
        sa.Column("conversation_id", sa.String(100), nullable=False),
    )
    op.create_index("ix_questions_answer_id", "questions", ["answer_id"])
    op.create_index("ix_questions_created_at", "questions", ["created_at"])
    op.create_index("ix_questions_conversation_id", "questions", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("questions")
    op.drop_table("feedback")
    op.drop_table("answers")
