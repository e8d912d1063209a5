"""The owner store: answers recorded for feedback, the feedback itself, the opt-in question log.

Synchronous SQLAlchemy (one engine, a pool of connections): each call is a short transaction, run on a
worker thread by its async callers (the responder, the routes), so the event loop never waits on the
database. Writes that fail (the database is down) are logged and dropped: a visitor still gets the
answer, only its feedback cannot be stored; reads raise, and the admin routes say so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, func, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.owner.records import (
    AnswerRecord,
    DocumentRef,
    FeedbackFilters,
    FeedbackItem,
    FeedbackPage,
    GapQuestion,
    QuestionFilters,
    QuestionItem,
    QuestionPage,
    Rating,
    now,
)
from service.owner.tables import AnswerRow, FeedbackRow, QuestionRow
from service.schemas import new_id

log = logging.getLogger(__name__)
GAP_QUESTIONS_CAP = 2000  # per source, most recent first: bounds the report's memory and time


class OwnerStore:
    def __init__(
        self,
        engine: Engine,
        question_log: bool,
        question_log_days: int,
        answer_retention_hours: int,
        feedback_days: int = 365,
    ) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.question_log = question_log
        self.question_log_days = question_log_days
        self.answer_retention_hours = answer_retention_hours
        self.feedback_days = feedback_days

    def close(self) -> None:
        self.engine.dispose()

    # ---- the responder's side ---------------------------------------------------------------

    def record(self, answer: AnswerRecord) -> bool:
        """Keep an answer for feedback (and log its question when the log is on); False if that failed."""
        row = AnswerRow(
            id=answer.answer_id,
            created_at=answer.created_at,
            question=answer.question,
            answer=answer.answer,
            sources=[source.model_dump() for source in answer.sources],
            mode=answer.mode,
            found=answer.found,
            site_key=answer.site_key,
            conversation_id=answer.conversation_id,
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
                if self.question_log:
                    session.add(
                        QuestionRow(
                            answer_id=answer.answer_id,
                            created_at=answer.created_at,
                            question=answer.question,
                            found=answer.found,
                            documents=list(answer.cited),
                            latency_ms=answer.latency_ms,
                            site_key=answer.site_key,
                            conversation_id=answer.conversation_id,
                        )
                    )
        except SQLAlchemyError as error:
            log.warning("answer %s not recorded (no feedback possible on it): %s", answer.answer_id, error)
            return False
        return True

    # ---- a visitor's feedback --------------------------------------------------------------

    def submit_feedback(self, answer_id: str, rating: Rating, comment: str | None) -> str | None:
        """Store the rating of a recorded answer, replacing an earlier one; its id, or None when the
        answer is unknown or expired."""
        for _ in range(2):  # a concurrent first rating of the same answer wins the insert: update it then
            try:
                with self.sessions.begin() as session:
                    answer = session.get(AnswerRow, answer_id)
                    if answer is None or answer.created_at < self._answers_expire_before():
                        return None
                    existing = session.scalar(select(FeedbackRow).where(FeedbackRow.answer_id == answer_id))
                    row = existing or FeedbackRow(id=new_id(12), answer_id=answer_id)
                    row.rating, row.comment, row.created_at = rating, comment, now()
                    row.question, row.answer, row.sources = answer.question, answer.answer, answer.sources
                    row.mode, row.found, row.site_key = answer.mode, answer.found, answer.site_key
                    if existing is None:
                        session.add(row)
                    return row.id
            except IntegrityError:
                continue
        return None

    # ---- the owner's reading -----------------------------------------------------------------

    def feedback(self, filters: FeedbackFilters, limit: int, offset: int = 0) -> FeedbackPage:
        conditions = _feedback_conditions(filters)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(FeedbackRow).where(*conditions)) or 0
            rows = session.scalars(
                select(FeedbackRow)
                .where(*conditions)
                .order_by(FeedbackRow.created_at.desc(), FeedbackRow.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return FeedbackPage(items=[_feedback_item(row) for row in rows], total=total)

    def questions(self, filters: QuestionFilters, limit: int, offset: int = 0) -> QuestionPage:
        conditions: list[ColumnElement[bool]] = [
            *_range(QuestionRow.created_at, filters.since, filters.until)
        ]
        if filters.text:
            conditions.append(QuestionRow.question.icontains(filters.text, autoescape=True))
        if filters.conversation_id:
            conditions.append(QuestionRow.conversation_id == filters.conversation_id)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(QuestionRow).where(*conditions)) or 0
            rows = session.scalars(
                select(QuestionRow)
                .where(*conditions)
                .order_by(QuestionRow.created_at.desc(), QuestionRow.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return QuestionPage(
            items=[
                QuestionItem(
                    question=row.question,
                    found=row.found,
                    documents=[str(document) for document in row.documents],
                    latency_ms=row.latency_ms,
                    site_key=row.site_key,
                    conversation_id=row.conversation_id,
                    created_at=row.created_at,
                )
                for row in rows
            ],
            total=total,
        )

    def gap_questions(self, since: datetime | None, until: datetime | None) -> list[GapQuestion]:
        """The not-found answers (question log and recorded answers) and the thumbs-down ones, each answer
        once, newest first."""
        found: dict[str, GapQuestion] = {}
        with self.sessions() as session:
            for model in (QuestionRow, AnswerRow):
                stamp = model.created_at
                ident = QuestionRow.answer_id if model is QuestionRow else AnswerRow.id
                rows = session.execute(
                    select(ident, model.question, stamp)
                    .where(model.found.is_(False), *_range(stamp, since, until))
                    .order_by(stamp.desc())
                    .limit(GAP_QUESTIONS_CAP)
                ).all()
                for answer_id, question, created_at in rows:
                    found.setdefault(answer_id, GapQuestion(answer_id, question, created_at, True, False))
            down = session.execute(
                select(FeedbackRow.answer_id, FeedbackRow.question, FeedbackRow.created_at, FeedbackRow.found)
                .where(FeedbackRow.rating == "down", *_range(FeedbackRow.created_at, since, until))
                .order_by(FeedbackRow.created_at.desc())
                .limit(GAP_QUESTIONS_CAP)
            ).all()
        for answer_id, question, created_at, was_found in down:
            earlier = found.get(answer_id)
            first = min(created_at, earlier.created_at) if earlier else created_at
            found[answer_id] = GapQuestion(answer_id, question, first, not was_found, True)
        return sorted(found.values(), key=lambda item: item.created_at, reverse=True)

    # ---- retention ---------------------------------------------------------------------------

    def purge(self) -> tuple[int, int, int]:
        """Delete expired answers, logged questions and ratings; how many of each."""
        with self.sessions.begin() as session:
            answers = _deleted(
                session, delete(AnswerRow).where(AnswerRow.created_at < self._answers_expire_before())
            )
            cutoff = now() - timedelta(days=self.question_log_days)
            questions = _deleted(session, delete(QuestionRow).where(QuestionRow.created_at < cutoff))
            rated_before = now() - timedelta(days=self.feedback_days)
            feedback = _deleted(session, delete(FeedbackRow).where(FeedbackRow.created_at < rated_before))
        return answers, questions, feedback

    def delete_feedback(self, feedback_id: str) -> bool:
        """Delete one rating and its comment (a visitor's request, a comment that must go); False when
        there is no such rating."""
        with self.sessions.begin() as session:
            return _deleted(session, delete(FeedbackRow).where(FeedbackRow.id == feedback_id)) > 0

    def _answers_expire_before(self) -> datetime:
        return now() - timedelta(hours=self.answer_retention_hours)


def _deleted(session: Session, statement: Any) -> int:
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)


def _range(column: Any, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column <= until)
    return conditions


def _feedback_conditions(filters: FeedbackFilters) -> list[ColumnElement[bool]]:
    conditions = _range(FeedbackRow.created_at, filters.since, filters.until)
    if filters.rating is not None:
        conditions.append(FeedbackRow.rating == filters.rating)
    if filters.site_key is not None:
        conditions.append(FeedbackRow.site_key == filters.site_key)
    if filters.text:
        columns: Sequence[Any] = (FeedbackRow.question, FeedbackRow.answer, FeedbackRow.comment)
        conditions.append(or_(*(column.icontains(filters.text, autoescape=True) for column in columns)))
    return conditions


def _feedback_item(row: FeedbackRow) -> FeedbackItem:
    return FeedbackItem(
        id=row.id,
        answer_id=row.answer_id,
        rating="up" if row.rating == "up" else "down",
        comment=row.comment,
        question=row.question,
        answer=row.answer,
        mode=row.mode,
        found=row.found,
        sources=[DocumentRef.model_validate(source) for source in row.sources],
        site_key=row.site_key,
        created_at=row.created_at,
    )
