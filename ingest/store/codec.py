"""How passages and document records are written into Chroma's flat metadata and read back.

Chroma metadata holds only str/int/float/bool values, so lists (sentence spans, parties) and nested
extras are JSON strings, sentence vectors are float16 bytes in base64 (decoded only for the few passages
an answer uses), and dates are also kept as YYYYMMDD numbers, because Chroma compares only numbers.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.embedders import Vectors
from ingest.models import Chunk, DocumentRecord


@dataclass(frozen=True, slots=True)
class StoredChunk:
    chunk_id: str
    doc_id: str
    version: str
    seq: int
    text: str
    start: int
    end: int
    heading: str | None
    page: int | None
    title: str
    date: str | None
    kind: str | None
    url: str | None
    sentences: tuple[tuple[int, int], ...] = ()  # spans relative to `text`
    sentence_vectors: str = ""  # float16, base64: decoded only for the few chunks an answer uses
    distance: float | None = None

    def decode_sentence_vectors(self) -> Vectors:
        raw = np.frombuffer(base64.b64decode(self.sentence_vectors), dtype=np.float16).astype(np.float32)
        return raw.reshape(len(self.sentences), -1) if self.sentences else raw.reshape(0, 0)


def chunk_id(doc_id: str, version: str, seq: int) -> str:
    return f"{doc_id}#{version[:16]}#{seq:05d}"


def date_number(date: str | None) -> int:
    """YYYYMMDD as an int, because Chroma compares only numbers with $gte/$lte."""
    return int(date.replace("-", "")) if date else 0


def chunk_metadata(record: DocumentRecord, chunk: Chunk, sentence_vectors: Vectors) -> dict[str, str | int]:
    return {
        "sentences": json.dumps([list(span) for span in chunk.sentences]),
        "sentence_vectors": base64.b64encode(sentence_vectors.astype(np.float16).tobytes()).decode("ascii"),
        "doc_id": record.doc_id,
        "version": record.version,
        "seq": chunk.seq,
        "start": chunk.start,
        "end": chunk.end,
        "heading": chunk.heading or "",
        "page": chunk.page or 0,
        "title": record.title,
        "date": record.date or "",
        "date_num": date_number(record.date),
        "kind": record.kind or "",
        "url": record.url or "",
    }


def chunk_from_metadata(cid: str, metadata: Any, text: str, distance: float | None) -> StoredChunk:
    return StoredChunk(
        chunk_id=cid,
        doc_id=str(metadata["doc_id"]),
        version=str(metadata["version"]),
        seq=int(metadata["seq"]),
        text=text,
        start=int(metadata["start"]),
        end=int(metadata["end"]),
        heading=str(metadata["heading"]) or None,
        page=int(metadata["page"]) or None,
        title=str(metadata["title"]),
        date=str(metadata["date"]) or None,
        kind=str(metadata["kind"]) or None,
        url=str(metadata["url"]) or None,
        sentences=tuple((int(a), int(b)) for a, b in json.loads(str(metadata.get("sentences") or "[]"))),
        sentence_vectors=str(metadata.get("sentence_vectors") or ""),
        distance=distance,
    )


def record_metadata(record: DocumentRecord) -> dict[str, str | int]:
    return {
        "version": record.version,
        "title": record.title,
        "date": record.date or "",
        "date_num": date_number(record.date),
        "kind": record.kind or "",
        "url": record.url or "",
        "parties": json.dumps(list(record.parties)),
        "chunks": record.chunks,
        "source_path": record.source_path,
        "format": record.format,
        "extra": json.dumps(record.extra, sort_keys=True, default=str),
        "ingested_at": record.ingested_at,
    }


def record_from_metadata(doc_id: str, metadata: Any) -> DocumentRecord:
    return DocumentRecord(
        doc_id=doc_id,
        version=str(metadata["version"]),
        title=str(metadata["title"]),
        date=str(metadata["date"]) or None,
        kind=str(metadata["kind"]) or None,
        url=str(metadata["url"]) or None,
        parties=tuple(json.loads(str(metadata["parties"]))),
        chunks=int(metadata["chunks"]),
        source_path=str(metadata["source_path"]),
        format=str(metadata["format"]),
        extra=json.loads(str(metadata["extra"])),
        ingested_at=str(metadata["ingested_at"]),
    )
