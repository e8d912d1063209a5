"""The values that flow through ingestion: a loaded document, its chunks, and the stored record.

Plain frozen dataclasses so that loaders, the chunker and the store agree on one shape without
depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PageSpan:
    """Where one PDF page lies in the document text (1-based page number)."""

    page: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A parsed file: normalized text plus whatever metadata the file itself states.

    `headings` maps the start offset of a paragraph to a heading level for headings the format marks
    explicitly (Word heading styles, HTML <h1>-<h6>); plain-text headings are detected by the chunker.
    """

    text: str
    format: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    kind: str | None = None
    parties: tuple[str, ...] = ()
    doc_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    pages: tuple[PageSpan, ...] = ()
    headings: dict[int, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage: `text == document_text[start:end]`; `embed_text` is what the model sees.

    `sentences` are (start, end) spans relative to `text`, in order.
    """

    seq: int
    text: str
    start: int
    end: int
    heading: str | None
    page: int | None
    embed_text: str
    sentences: tuple[tuple[int, int], ...] = ()

    @property
    def text_offset(self) -> int:
        """Where `text` starts inside `embed_text` (after the title/heading prefix)."""
        return len(self.embed_text) - len(self.text)


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """What the store knows about one committed document version."""

    doc_id: str
    version: str
    title: str
    date: str | None
    kind: str | None
    url: str | None
    parties: tuple[str, ...]
    chunks: int
    source_path: str
    format: str
    extra: dict[str, Any]
    ingested_at: str

    def public(self) -> dict[str, Any]:
        """The fields a listing shows (CLI `docs`, HTTP `/documents`)."""
        return {
            "id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "kind": self.kind,
            "url": self.url,
            "parties": list(self.parties),
            "chunks": self.chunks,
            "content_hash": self.version,
            "format": self.format,
            "source_path": self.source_path,
            "ingested_at": self.ingested_at,
        }
