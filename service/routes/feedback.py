"""POST /feedback: a visitor's thumbs up or down on an answer, with an optional comment.

Under the same access rule as the chat routes (origin, site key, rates: `deps.FeedbackDep` marks it so),
because the widget calls it from the same pages. The answer is found by its id among the recorded ones
(`service.owner`), and the rating is stored with a copy of the question, the answer and its sources; no
IP address, no cookie. A second rating of the same answer replaces the first. A sync route: FastAPI runs
it on a worker thread, so the database call never blocks the event loop.
"""

from __future__ import annotations

from fastapi import APIRouter

from service.deps import FeedbackDep
from service.http import ApiError
from service.routes.chat import ERRORS
from service.schemas import ErrorBody, FeedbackCreated, FeedbackRequest

router = APIRouter(tags=["chat"])
OPENAI_PREFIX = "chatcmpl-"  # /v1/chat/completions shows the answer id behind it
UNKNOWN = "No such answer: it is unknown, or too old to be rated."


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    responses={**ERRORS, 404: {"model": ErrorBody, "description": "Unknown or expired answer_id"}},
)
def feedback(body: FeedbackRequest, owner: FeedbackDep) -> FeedbackCreated:
    """Rate an answer (its `answer_id`) up or down, with an optional comment; replaces an earlier rating."""
    answer_id = body.answer_id.removeprefix(OPENAI_PREFIX)
    stored = owner.submit_feedback(answer_id, body.rating, body.comment)
    if stored is None:
        raise ApiError(404, UNKNOWN, "unknown_answer", extra={"error": UNKNOWN})
    return FeedbackCreated(id=stored)
