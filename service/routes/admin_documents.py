"""POST /admin/documents, PUT and DELETE /admin/documents/{id}: changing documents over HTTP.

An upload is staged (`service.admin.uploads`), then ingested by the service's writer with the CLI's
pipeline, and answered with what happened to each file once its documents are committed (a question
asked after the response sees them). Validation problems (format, size, empty file, metadata) refuse the
whole request before anything is ingested; a file the pipeline cannot read is reported with its reason,
like the CLI's summary: 200 if any document went in, 422 `ingest_failed` if none did.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import Future
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ingest.discovery import Candidate, Discovery
from ingest.embedder import Embedder
from ingest.lock import WriterBusy
from ingest.models import DocumentRecord
from ingest.pipeline import Ingestor
from ingest.store import ChunkStore
from ingest.summary import IngestSummary
from service.admin.auth import AUTH_ERRORS, AdminDep, require_admin
from service.admin.metadata import candidates, parse_metadata
from service.admin.parts import StagedFile
from service.admin.state import AdminError, AdminState, AdminStateDep
from service.admin.uploads import UploadLimits, UploadRejected, new_staging, read_upload, remove_staging
from service.admin.writer import Checkpoints, Stopping
from service.deps import get_runtime
from service.metrics import observe_ingest
from service.schemas import ErrorBody

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=AUTH_ERRORS
)
log = logging.getLogger(__name__)
T = TypeVar("T")
UPLOAD_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Malformed multipart body"},
    409: {"model": ErrorBody, "description": "The writer is busy (a job, another process); see Retry-After"},
    413: {
        "model": ErrorBody,
        "description": "A file over ACCORDS_UPLOAD_MAX_BYTES (named), or too many files",
    },
    415: {
        "model": ErrorBody,
        "description": "Not multipart/form-data, or a file format that is not supported",
    },
    422: {
        "model": ErrorBody,
        "description": "Empty file, bad metadata, or no document went in (with reasons)",
    },
}
_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "metadata": {
                            "type": "string",
                            "description": "JSON: {title, date, kind, url, parties, id}, or a list of them",
                        },
                    },
                }
            }
        },
    }
}


@router.post("/documents", openapi_extra=_FORM, responses=UPLOAD_ERRORS)
async def upload_documents(request: Request, admin: AdminDep, state: AdminStateDep) -> JSONResponse:
    """Add or update the documents in one or more files (multipart field `files`, optional `metadata`)."""
    summary, files = await _ingest_upload(request, state, document_id=None)
    log.info("admin %s uploaded %d files: %s", admin.who, len(files), summary.totals())
    return _answer(summary, files)


@router.put(
    "/documents/{document_id:path}",
    openapi_extra=_FORM,
    responses={**UPLOAD_ERRORS, 201: {"description": "Added"}},
)
async def replace_document(
    document_id: str, request: Request, admin: AdminDep, state: AdminStateDep
) -> JSONResponse:
    """Replace one document's content with one uploaded file, keeping its id (created if new)."""
    if not document_id.strip() or len(document_id) > 300:
        raise AdminError(422, "the document id must be 1-300 characters, not blank", "invalid_request")
    summary, files = await _ingest_upload(request, state, document_id=document_id)
    log.info("admin %s replaced %s: %s", admin.who, document_id, summary.totals())
    return _answer(summary, files, created_status=201)


@router.delete(
    "/documents/{document_id:path}",
    responses={404: {"model": ErrorBody, "description": "No such document"}, 409: UPLOAD_ERRORS[409]},
)
async def delete_document(
    document_id: str, admin: AdminDep, request: Request, state: AdminStateDep
) -> dict[str, Any]:
    """Remove a document and its passages (404 if there is no such document)."""
    runtime = get_runtime(request)

    def delete() -> DocumentRecord | None:
        record = runtime.store.document(document_id)
        if record is not None:
            runtime.store.forget_document(document_id)
        return record

    record = await _written(state, state.writer.submit(delete, runtime.view))
    if record is None:
        raise AdminError(404, f"no document with id {document_id!r}", "not_found")
    log.info("admin %s deleted %s", admin.who, document_id)
    return {"id": document_id, "status": "deleted", "title": record.title, "chunks": record.chunks}


async def _ingest_upload(
    request: Request, state: AdminState, document_id: str | None
) -> tuple[IngestSummary, list[StagedFile]]:
    runtime = get_runtime(request)
    settings = state.settings
    limits = UploadLimits(settings.upload_max_bytes, settings.upload_max_files, settings.max_body_bytes)
    staging = await run_in_threadpool(new_staging, settings.data_dir)
    try:
        form = await read_upload(request, staging, limits)
        if document_id is not None and len(form.files) != 1:
            raise AdminError(422, "files: PUT takes exactly one file", "invalid_request")
        metadata = parse_metadata(form.metadata, len(form.files))
        if document_id is not None and metadata[0] is not None and metadata[0].id not in (None, document_id):
            raise AdminError(422, "metadata: `id` differs from the id in the URL", "invalid_request")
        found = Discovery(candidates=candidates(form.files, metadata, document_id))
    except UploadRejected as rejected:
        remove_staging(staging)
        extra = {"file": rejected.filename} if rejected.filename is not None else None
        raise AdminError(rejected.status, rejected.detail, rejected.code, extra=extra) from None
    except BaseException:
        remove_staging(staging)
        raise
    task = functools.partial(_ingest, runtime.store, runtime.embedder, state, found.candidates)
    future = state.writer.submit(task, runtime.view, cleanup=lambda: remove_staging(staging))
    return await _written(state, future), form.files


def _ingest(
    store: ChunkStore, embedder: Embedder, state: AdminState, found: list[Candidate]
) -> IngestSummary:
    progress = Checkpoints(state.writer.stopping)
    summary = Ingestor(store, embedder, state.settings, progress).ingest(Discovery(candidates=found))
    observe_ingest(summary)
    return summary


async def _written(state: AdminState, future: Future[T]) -> T:
    try:
        return await state.writer.result(future)
    except WriterBusy as busy:
        raise AdminError(409, str(busy), "writer_busy", {"Retry-After": "10"}) from None
    except Stopping as stopping:
        raise AdminError(503, str(stopping), "unavailable", {"Retry-After": "10"}) from None


def _answer(summary: IngestSummary, files: list[StagedFile], created_status: int = 200) -> JSONResponse:
    documents = [
        {
            "file": staged.filename,
            "id": outcome.doc_id,
            "status": outcome.status,
            "chunks": outcome.chunks,
            "reason": outcome.reason,
            "warnings": outcome.warnings,
        }
        for staged, outcome in zip(files, summary.outcomes, strict=True)
    ]
    body = {**summary.totals(), "emptied": summary.emptied, "documents": documents}
    if summary.failed == len(files):
        reasons = "; ".join(f"{d['file']}: {d['reason']}" for d in documents)
        failed = {"detail": f"no document went in ({reasons})", "code": "ingest_failed", **body}
        return JSONResponse(failed, status_code=422)
    added = all(d["status"] == "added" for d in documents)
    return JSONResponse(body, status_code=created_status if added else 200)
