"""The owner store: what the people who deploy accords keep about its use, in one SQL database.

Answers recorded for a short while so visitors can rate them, their feedback, the opt-in question log,
and the report of the questions the documents did not answer. SQLAlchemy 2 over SQLite in the data dir
(default) or PostgreSQL (`ACCORDS_DATABASE_URL`, shared by replicas), its schema kept by Alembic's
migrations (`migrations/`), applied at start-up and by `accords db upgrade`.

Public entry: `open_owner_store(settings)` (migrates, then opens), `OwnerStore`, the records it takes and
gives, `tidying` (the retention task the lifespan runs), `gaps_report` with `closest_documents`.
"""

from __future__ import annotations

import logging

from service.owner.database import (
    current_revision,
    database_url,
    describe,
    head_revision,
    open_engine,
    upgrade,
)
from service.owner.gaps import DISTANCE_THRESHOLD, GapCluster, GapsReport, closest_documents, gaps_report
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
)
from service.owner.retention import purge_once, tidying
from service.owner.store import OwnerStore
from service.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "DISTANCE_THRESHOLD",
    "AnswerRecord",
    "DocumentRef",
    "FeedbackFilters",
    "FeedbackItem",
    "FeedbackPage",
    "GapCluster",
    "GapQuestion",
    "GapsReport",
    "OwnerStore",
    "QuestionFilters",
    "QuestionItem",
    "QuestionPage",
    "Rating",
    "closest_documents",
    "current_revision",
    "database_url",
    "describe",
    "gaps_report",
    "head_revision",
    "migrate",
    "open_owner_store",
    "purge_once",
    "tidying",
]


def migrate(settings: Settings) -> str:
    """Bring the configured database's schema up to date (`accords db upgrade`); returns where it is."""
    url = database_url(settings)
    engine = open_engine(url)
    try:
        upgrade(engine)
        return describe(url)
    finally:
        engine.dispose()


def open_owner_store(settings: Settings) -> OwnerStore:
    """The store of the configured database, its schema brought up to date first."""
    url = database_url(settings)
    engine = open_engine(url)
    try:
        upgrade(engine)
    except Exception:
        engine.dispose()
        raise
    log.info("owner store: %s (question log %s)", describe(url), "on" if settings.question_log else "off")
    return OwnerStore(
        engine,
        settings.question_log,
        settings.question_log_days,
        settings.answer_retention_hours,
        settings.feedback_days,
    )
