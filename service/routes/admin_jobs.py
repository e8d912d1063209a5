"""POST /admin/ingest-jobs and GET /admin/ingest-jobs[/{id}]: `accords ingest` of a folder, over HTTP.

A job names a folder (or file) relative to ACCORDS_INGEST_ROOT; the answer is 202 with the job and its
Location at once, and the job runs on the service's writer (queued behind any running job or upload).
Poll the job for its status, progress and per-file errors (`service.admin.jobs`).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.openapi.models import Example
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from service.admin import AdminError, PathRefused, find_job, recent_jobs, resolve_under
from service.admin import start_job as queue_job
from service.deps import AdminStateDep
from service.routes.admin_auth import AUTH_ERRORS, AdminDep, require_admin
from service.schemas import ErrorBody

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=AUTH_ERRORS
)
log = logging.getLogger(__name__)


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(max_length=4096, description="A folder or file relative to ACCORDS_INGEST_ROOT.")
    prune: bool = Field(default=False, description="Delete documents under the folder whose file is gone.")


# The bodies /docs offers to send: valid requests (tested as sent, with the folder under the ingest root).
JOB_EXAMPLES: dict[str, Example] = {
    "folder": {"summary": "Ingest a folder", "value": {"path": "agreements"}},
    "prune": {
        "summary": "Ingest a folder and delete what is gone from it",
        "value": {"path": "agreements", "prune": True},
    },
}


@router.post(
    "/ingest-jobs",
    status_code=202,
    responses={
        400: {
            "model": ErrorBody,
            "description": "The path is absolute, has '..', is missing or leads outside",
        },
        409: {"model": ErrorBody, "description": "No ACCORDS_INGEST_ROOT, or too many jobs waiting"},
    },
)
async def start_job(
    body: Annotated[JobRequest, Body(openapi_examples=JOB_EXAMPLES)],
    request: Request,
    admin: AdminDep,
    state: AdminStateDep,
) -> JSONResponse:
    """Start ingesting a folder under the ingest root; 202 with the job (poll its Location)."""
    root = state.settings.ingest_root
    if root is None or not root.is_dir():
        detail = "ingest jobs are disabled: set ACCORDS_INGEST_ROOT to a folder"
        if root is not None:
            detail = f"ingest jobs are disabled: ACCORDS_INGEST_ROOT ({root}) is not a folder"
        raise AdminError(409, detail, "ingest_jobs_disabled")
    try:
        shown, folder = resolve_under(root, body.path)
    except PathRefused as refused:
        raise AdminError(400, str(refused), "bad_path") from None
    job = queue_job(state, shown, folder, body.prune)
    await state.board.post(job.describe())  # visible on every replica at once (then `mirror_jobs`)
    log.info("admin %s started %s over %s (prune=%s)", admin.who, job.id, shown, body.prune)
    location = str(request.url_for("get_job", job_id=job.id).path)
    return JSONResponse(job.describe(), status_code=202, headers={"Location": location})


@router.get("/ingest-jobs")
async def list_jobs(state: AdminStateDep) -> dict[str, Any]:
    """The recent jobs of every replica, newest first (kept in memory or Redis: not across restarts)."""
    return {"jobs": await recent_jobs(state.jobs, state.board)}


@router.get("/ingest-jobs/{job_id}", responses={404: {"model": ErrorBody, "description": "No such job"}})
async def get_job(job_id: str, state: AdminStateDep) -> dict[str, Any]:
    """A job's status (queued, running, succeeded, failed), progress, totals and per-file errors."""
    record = await find_job(state.jobs, state.board, job_id)
    if record is None:
        raise AdminError(404, f"no ingest job {job_id!r} (the last 50 are kept)", "not_found")
    return record
