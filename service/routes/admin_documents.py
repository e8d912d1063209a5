"""POST /admin/documents, PUT and DELETE /admin/documents/{id}: the HTTP side of `service.admin.documents`.

An upload is answered with what happened to each file once its documents are committed (a question asked
after the response sees them), like the CLI's summary: 200 if any document went in, 422 `ingest_failed`
if none did.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ingest.summary import IngestSummary
from service.admin import AdminError, StagedFile, delete_document, ingest_upload
from service.deps import AdminStateDep
from service.routes.admin_auth import AUTH_ERRORS, AdminDep, require_admin
from service.schemas import ErrorBody

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=AUTH_ERRORS
)
log = logging.getLogger(__name__)
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
    summary, files = await ingest_upload(request, state, document_id=None)
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
    if not document_id.strip() or len(document_id) > 300 or not document_id.isprintable():
        detail = "the document id must be 1-300 characters, printable, not blank"
        raise AdminError(422, detail, "invalid_request")
    summary, files = await ingest_upload(request, state, document_id=document_id)
    log.info("admin %s replaced %s: %s", admin.who, document_id, summary.totals())
    return _answer(summary, files, created_status=201)


@router.delete(
    "/documents/{document_id:path}",
    responses={404: {"model": ErrorBody, "description": "No such document"}, 409: UPLOAD_ERRORS[409]},
)
async def delete(document_id: str, admin: AdminDep, state: AdminStateDep) -> dict[str, Any]:
    """Remove a document and its passages (404 if there is no such document)."""
    record = await delete_document(state, document_id)
    log.info("admin %s deleted %s", admin.who, document_id)
    return {"id": document_id, "status": "deleted", "title": record.title, "chunks": record.chunks}


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
