"""A snapshot of the committed documents, and which of them are versions of one another.

Readers filter every retrieved chunk through this snapshot (a chunk counts only if its version is the
document's committed one, see `ingest.store`), and the retriever uses the version groups to pick the
original or the revision of a statement a question asks about.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.models import DocumentRecord

_VERSION_NUMBER = re.compile(r"(?:^|[-_ ./])v(\d+)(?=$|[-_ ./])", re.IGNORECASE)
_REVISED = re.compile(r"revised|revision|updated|amended|corrected|final", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Catalog:
    generation: str
    documents: dict[str, DocumentRecord]
    # doc id -> ids of all versions of the same statement, oldest first (itself included)
    versions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def committed(self, doc_id: str, version: str) -> bool:
        record = self.documents.get(doc_id)
        return record is not None and record.version == version

    @classmethod
    def build(cls, generation: str, records: Iterable[DocumentRecord]) -> Catalog:
        documents = {record.doc_id: record for record in records}
        return cls(generation=generation, documents=documents, versions=_version_groups(documents))


def version_key(record: DocumentRecord) -> tuple[str, int, int]:
    """Order of versions: date, then an explicit version number, then revised-after-original."""
    number = _VERSION_NUMBER.search(record.doc_id)
    return (
        record.date or "",
        int(number.group(1)) if number else 0,
        1 if _REVISED.search(record.doc_id) else 0,
    )


def _normalized_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def _version_groups(documents: dict[str, DocumentRecord]) -> dict[str, tuple[str, ...]]:
    """Documents with the same title that also share their URL or say they are versions.

    Same title alone is not enough ("Joint Leaders Statement on AUKUS" was issued in 2021 and in 2023 as
    two different statements), unless their ids mark them as versions (-v1, -revised).
    """
    by_title: dict[str, list[DocumentRecord]] = defaultdict(list)
    for record in documents.values():
        by_title[_normalized_title(record.title)].append(record)
    groups: dict[str, tuple[str, ...]] = {}
    for records in by_title.values():
        if len(records) < 2:
            continue
        for record in records:
            siblings = [other for other in records if other is record or _same_statement(record, other)]
            if len(siblings) > 1:
                groups[record.doc_id] = tuple(r.doc_id for r in sorted(siblings, key=version_key))
    return groups


def _same_statement(one: DocumentRecord, other: DocumentRecord) -> bool:
    marked = any(_VERSION_NUMBER.search(r.doc_id) or _REVISED.search(r.doc_id) for r in (one, other))
    return bool(marked or (one.url and one.url == other.url))
