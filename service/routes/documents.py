"""The documents behind the answers: listing, metadata, and the exact passage a citation points at."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ingest.models import DocumentRecord
from service.deps import StoreDep, ViewDep
from service.schemas import DocumentDetail, DocumentPage, DocumentSummary, ErrorBody, Passage

router = APIRouter(tags=["documents"])
NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"model": ErrorBody, "description": "No such document"}}


def summary(record: DocumentRecord) -> DocumentSummary:
    return DocumentSummary(
        id=record.doc_id,
        title=record.title,
        date=record.date,
        kind=record.kind,
        url=record.url,
        parties=list(record.parties),
        chunks=record.chunks,
        content_hash=record.version,
    )


@router.get("/documents", response_model=DocumentPage)
async def list_documents(
    view: ViewDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    kind: Annotated[list[str] | None, Query(description="Only these kinds (repeatable).")] = None,
    date_from: Annotated[date | None, Query(description="YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(description="YYYY-MM-DD")] = None,
) -> DocumentPage:
    """Documents sorted by date (newest first), then id."""
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "date_from must not be after date_to")
    records = [
        record
        for record in view.catalog.documents.values()
        if (not kind or (record.kind or "") in kind)
        and (date_from is None or (record.date is not None and record.date >= date_from.isoformat()))
        and (date_to is None or (record.date is not None and record.date <= date_to.isoformat()))
    ]
    records.sort(key=lambda r: r.doc_id)
    records.sort(key=lambda r: r.date or "", reverse=True)
    return DocumentPage(
        total=len(records),
        offset=offset,
        limit=limit,
        documents=[summary(record) for record in records[offset : offset + limit]],
    )


@router.get("/documents/{document_id:path}/text", response_model=Passage, responses=NOT_FOUND)
async def document_text(
    document_id: str,
    store: StoreDep,
    start: Annotated[int | None, Query(ge=0, description="Offset of the passage (default: 0).")] = None,
    end: Annotated[int | None, Query(ge=0, description="End offset (default: end of document).")] = None,
) -> Passage | JSONResponse:
    """The exact text between `start` and `end`: what a citation's `start`/`end` point at."""
    record = await run_in_threadpool(store.document, document_id)
    text = await run_in_threadpool(store.document_text, document_id)
    if record is None or text is None:
        # This route shadows the metadata of a document whose id ends in "/text" ("annexes/text").
        shadowed = f"{document_id}/text"
        if start is None and end is None and await run_in_threadpool(store.document, shadowed) is not None:
            return JSONResponse((await document(shadowed, store)).model_dump(mode="json"))
        raise HTTPException(404, f"no document with id {document_id!r}")
    begin = 0 if start is None else start
    stop = len(text) if end is None else end
    if begin > len(text) or stop > len(text) or begin > stop:
        raise HTTPException(
            422, f"start and end must satisfy 0 <= start <= end <= {len(text)} (the document's length)"
        )
    return Passage(
        document_id=document_id,
        title=record.title,
        url=record.url,
        start=begin,
        end=stop,
        text=text[begin:stop],
    )


@router.get("/documents/{document_id:path}", response_model=DocumentDetail, responses=NOT_FOUND)
async def document(document_id: str, store: StoreDep) -> DocumentDetail:
    """Metadata of one document, with its chunk count and text length."""
    record = await run_in_threadpool(store.document, document_id)
    text = await run_in_threadpool(store.document_text, document_id)
    if record is None or text is None:
        raise HTTPException(404, f"no document with id {document_id!r}")
    return DocumentDetail(
        **summary(record).model_dump(),
        format=record.format,
        ingested_at=record.ingested_at,
        length=len(text),
        metadata=record.extra,
    )
