"""The owner's reading of the owner store: GET /admin/feedback (and .csv), /admin/questions and
/admin/reports/gaps.

Sync routes: FastAPI runs each on a worker thread, so the database and the gaps report's embedding never
block the event loop. Times in filters are ISO 8601 (a date alone is its midnight); without a zone, UTC.
A database that does not answer gives 503.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError

from service.admin import AdminError
from service.deps import OwnerDep, RuntimeDep, SettingsDep
from service.owner import (
    FeedbackFilters,
    FeedbackItem,
    FeedbackPage,
    GapsReport,
    QuestionFilters,
    QuestionPage,
    closest_documents,
    gaps_report,
)
from service.routes.admin_auth import AUTH_ERRORS, require_admin
from service.schemas import ErrorBody

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=AUTH_ERRORS
)
UNAVAILABLE: dict[int | str, dict[str, object]] = {
    503: {"model": ErrorBody, "description": "The owner store's database does not answer"}
}
CSV_MAX_ROWS = 50_000  # one export's bound (memory); narrow the filters for more
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting so

Since = Annotated[datetime | None, Query(description="From this time (ISO 8601; UTC unless zoned).")]
Until = Annotated[datetime | None, Query(description="Up to this time (ISO 8601; UTC unless zoned).")]
Text = Annotated[str | None, Query(max_length=200, description="Text to look for, any case.")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def feedback_filters(
    since: Since = None,
    until: Until = None,
    rating: Literal["up", "down"] | None = None,
    site_key: Annotated[str | None, Query(max_length=100)] = None,
    q: Text = None,
) -> FeedbackFilters:
    return FeedbackFilters(rating=rating, since=_utc(since), until=_utc(until), site_key=site_key, text=q)


Filters = Annotated[FeedbackFilters, Depends(feedback_filters)]


@contextmanager
def _database() -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as error:
        raise AdminError(503, "the owner store's database does not answer", "database_unavailable") from error


@router.get("/feedback", response_model=FeedbackPage, responses=UNAVAILABLE)
def list_feedback(owner: OwnerDep, filters: Filters, limit: Limit = 50, offset: Offset = 0) -> FeedbackPage:
    """Visitors' ratings of answers, newest first, with what was rated."""
    with _database():
        return owner.feedback(filters, limit, offset)


@router.delete(
    "/feedback/{feedback_id}",
    responses={**UNAVAILABLE, 404: {"model": ErrorBody, "description": "No rating has this id"}},
)
def delete_feedback(owner: OwnerDep, feedback_id: Annotated[str, Path(max_length=100)]) -> dict[str, object]:
    """Delete one rating and its comment (the `id` of a `GET /admin/feedback` item)."""
    with _database():
        deleted = owner.delete_feedback(feedback_id)
    if not deleted:
        raise AdminError(404, "no rating has this id", "unknown_feedback")
    return {"id": feedback_id, "deleted": True}


@router.get(
    "/feedback.csv",
    response_class=Response,
    responses={**UNAVAILABLE, 200: {"content": {"text/csv": {}}, "description": "The rows as CSV"}},
)
def export_feedback(owner: OwnerDep, filters: Filters) -> Response:
    """The same rows as CSV (up to 50,000, newest first), for a spreadsheet."""
    with _database():
        items = owner.feedback(filters, CSV_MAX_ROWS).items
    return Response(
        to_csv(items),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
    )


COLUMNS: tuple[tuple[str, Callable[[FeedbackItem], object]], ...] = (
    ("created_at", lambda item: item.created_at.isoformat()),
    ("rating", lambda item: item.rating),
    ("comment", lambda item: item.comment or ""),
    ("question", lambda item: item.question),
    ("answer", lambda item: item.answer),
    ("found", lambda item: "yes" if item.found else "no"),
    ("mode", lambda item: item.mode),
    ("sources", lambda item: "; ".join(f"{s.title} ({s.document_id})" for s in item.sources)),
    ("site_key", lambda item: item.site_key or ""),
    ("answer_id", lambda item: item.answer_id),
    ("id", lambda item: item.id),
)


def to_csv(items: list[FeedbackItem]) -> str:
    """RFC 4180 CSV; a cell a spreadsheet would read as a formula is quoted with a leading apostrophe
    (visitors write the comments)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(name for name, _ in COLUMNS)
    for item in items:
        writer.writerow(_cell(str(value(item))) for _, value in COLUMNS)
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@router.get(
    "/questions",
    response_model=QuestionPage,
    responses={**UNAVAILABLE, 404: {"model": ErrorBody, "description": "The question log is off"}},
)
def list_questions(
    owner: OwnerDep,
    settings: SettingsDep,
    since: Since = None,
    until: Until = None,
    q: Text = None,
    conversation_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> QuestionPage:
    """The question log, newest first (only with ACCORDS_QUESTION_LOG=on)."""
    if not settings.question_log:
        detail = "the question log is off: set ACCORDS_QUESTION_LOG=on to keep visitors' questions"
        raise AdminError(404, detail, "question_log_off")
    filters = QuestionFilters(text=q, conversation_id=conversation_id, since=_utc(since), until=_utc(until))
    with _database():
        return owner.questions(filters, limit, offset)


@router.get("/reports/gaps", response_model=GapsReport, responses=UNAVAILABLE)
def gaps(owner: OwnerDep, runtime: RuntimeDep, since: Since = None, until: Until = None) -> GapsReport:
    """The questions the documents did not answer (or whose answer got a thumbs down), grouped by meaning,
    largest group first: each with its size, three examples, the closest documents and its dates."""
    with _database():
        questions = owner.gap_questions(_utc(since), _utc(until))
    return gaps_report(questions, runtime.embedder, closest_documents(runtime.store))
