"""From a loaded file to the document record the store keeps: id, title fallback, content hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.discovery import Candidate
from ingest.models import DocumentRecord, LoadedDocument
from ingest.structure import classify

_TITLE_SEARCH_PARAGRAPHS = 3
# The metadata a caller may state for a file (`Candidate.overrides`), by `LoadedDocument` field name.
OVERRIDABLE = frozenset({"doc_id", "title", "date", "kind", "url", "parties"})


def apply_overrides(loaded: LoadedDocument, overrides: Mapping[str, Any]) -> LoadedDocument:
    """The document with the caller's metadata in place of the file's (an upload's form fields)."""
    unknown = set(overrides) - OVERRIDABLE
    if unknown:
        raise ValueError(f"cannot override {sorted(unknown)}; only {sorted(OVERRIDABLE)}")
    return replace(loaded, **overrides) if overrides else loaded


def document_id(candidate: Candidate, loaded: LoadedDocument) -> str:
    return (loaded.doc_id or candidate.path_id).strip() or candidate.path_id


def document_title(candidate: Candidate, loaded: LoadedDocument) -> str:
    """Stated title, else a heading among the first paragraphs, else the file name."""
    if loaded.title and loaded.title.strip():
        return " ".join(loaded.title.split())
    for paragraph in classify(loaded.text, loaded.headings)[:_TITLE_SEARCH_PARAGRAPHS]:
        if paragraph.heading_label:
            return paragraph.heading_label
    return candidate.path.stem.replace("_", " ").replace("-", " ").strip() or candidate.path.name


def content_hash(loaded: LoadedDocument, title: str, pipeline: dict[str, str | int]) -> str:
    """Changes when the text, any metadata, or the way passages are cut and embedded changes."""
    payload = {
        "text": loaded.text,
        "title": title,
        "date": loaded.date,
        "url": loaded.url,
        "kind": loaded.kind,
        "parties": list(loaded.parties),
        "extra": loaded.extra,
        "pages": [(span.page, span.start, span.end) for span in loaded.pages],
        "pipeline": pipeline,
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def build_record(
    candidate: Candidate, loaded: LoadedDocument, pipeline: dict[str, str | int], chunks: int = 0
) -> DocumentRecord:
    title = document_title(candidate, loaded)
    return DocumentRecord(
        doc_id=document_id(candidate, loaded),
        version=content_hash(loaded, title, pipeline),
        title=title,
        date=loaded.date,
        kind=loaded.kind,
        url=loaded.url,
        parties=loaded.parties,
        chunks=chunks,
        source_path=candidate.source or str(Path(candidate.path).resolve()),
        format=loaded.format,
        extra=loaded.extra,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
