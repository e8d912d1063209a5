"""Changing documents over HTTP: an upload staged, ingested by the writer with the CLI's pipeline, and
answered once its documents are committed; a document deleted. The routes parse and map the results.

Validation problems (format, size, empty file, metadata) refuse the whole request before anything is
ingested (`AdminError`); a file the pipeline cannot read is reported in the summary with its reason.
"""

from __future__ import annotations

import functools
from concurrent.futures import Future
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ingest.discovery import Candidate, Discovery
from ingest.models import DocumentRecord
from ingest.pipeline import Ingestor
from ingest.store import WriterBusy
from ingest.summary import IngestSummary
from service.admin.metadata import candidates, parse_metadata
from service.admin.parts import StagedFile
from service.admin.state import AdminError, AdminState
from service.admin.uploads import UploadLimits, UploadRejected, new_staging, read_upload, remove_staging
from service.admin.writer import Checkpoints, Stopping
from service.http.metrics import observe_ingest

T = TypeVar("T")


async def delete_document(state: AdminState, document_id: str) -> DocumentRecord:
    """Remove a document and its passages on the writer; AdminError 404 if there is no such document."""

    def delete() -> DocumentRecord | None:
        record = state.store.document(document_id)
        if record is not None:
            state.store.forget_document(document_id)
        return record

    record = await written(state, state.writer.submit(delete, state.view))
    if record is None:
        raise AdminError(404, f"no document with id {document_id!r}", "not_found")
    return record


async def ingest_upload(
    request: Request, state: AdminState, document_id: str | None
) -> tuple[IngestSummary, list[StagedFile]]:
    """Stage the upload, ingest it on the writer, and return once its documents are committed (and the
    view caught up); `document_id` = PUT: exactly one file, ingested under that id."""
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
    task = functools.partial(_ingest, state, found.candidates)
    future = state.writer.submit(task, state.view, cleanup=lambda: remove_staging(staging))
    return await written(state, future), form.files


def _ingest(state: AdminState, found: list[Candidate]) -> IngestSummary:
    progress = Checkpoints(state.writer.stopping)
    summary = Ingestor(state.store, state.embedder, state.settings, progress).ingest(
        Discovery(candidates=found)
    )
    observe_ingest(summary)
    return summary


async def written(state: AdminState, future: Future[T]) -> T:
    try:
        return await state.writer.result(future)
    except WriterBusy as busy:
        raise AdminError(409, str(busy), "writer_busy", {"Retry-After": "10"}) from None
    except Stopping as stopping:
        raise AdminError(503, str(stopping), "unavailable", {"Retry-After": "10"}) from None
