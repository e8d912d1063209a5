"""The owner store's tables, as SQLAlchemy 2 typed mappings (the migrations in `migrations/` create them).

Three tables, none holding an IP address or a cookie:
- `answers`: every answer the service gave a visitor, for `answer_retention_hours` (24 by default), so a
  thumbs up or down sent a moment later can be stored with the question, the answer and its sources, by
  whichever replica receives it.
- `feedback`: one row per rated answer (a second rating replaces the first), with a copy of what was
  rated, so it outlives the answer's short retention.
- `questions`: the opt-in question log (`ACCORDS_QUESTION_LOG=on`), kept `question_log_days`.

Times are stored in UTC: `UTCDateTime` hands back aware datetimes whatever the database (SQLite keeps no
zone), so the two databases answer alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 64  # answer ids are 22 characters (secrets.token_urlsafe(16)); room to spare
KEY_LENGTH = 100  # site keys and conversation ids, as the HTTP contract bounds them


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class AnswerRow(Base):
    __tablename__ = "answers"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[Any]] = mapped_column()  # [{"document_id", "title"}], one per document
    mode: Mapped[str] = mapped_column(String(16))
    found: Mapped[bool] = mapped_column()
    site_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    conversation_id: Mapped[str] = mapped_column(String(KEY_LENGTH))


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    answer_id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    rating: Mapped[str] = mapped_column(String(8), index=True)  # "up" or "down"
    comment: Mapped[str | None] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[Any]] = mapped_column()
    mode: Mapped[str] = mapped_column(String(16))
    found: Mapped[bool] = mapped_column()
    site_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


class QuestionRow(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    question: Mapped[str] = mapped_column(Text)
    found: Mapped[bool] = mapped_column()
    documents: Mapped[list[Any]] = mapped_column()  # ids of the cited documents
    latency_ms: Mapped[int] = mapped_column(Integer)
    site_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    conversation_id: Mapped[str] = mapped_column(String(KEY_LENGTH), index=True)
