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


_VERSION_WORDS = re.compile(
    r"\b(?:revised|revision|updated|update|amended|corrected|final|draft|original|version|v\d+)\b",
    re.IGNORECASE,
)
_ID_VERSION_SUFFIX = re.compile(
    r"(?:[-_ .]v\d+)?(?:[-_ .](?:revised|updated|amended|corrected|final|draft))?$", re.IGNORECASE
)


def _normalized_title(title: str) -> str:
    """The title without version words: "... Partnership (Revised)" is the same statement."""
    return re.sub(r"[^a-z0-9]+", " ", _VERSION_WORDS.sub(" ", title.lower())).strip()


def _id_base(doc_id: str) -> str:
    return _ID_VERSION_SUFFIX.sub("", doc_id)


def _version_groups(documents: dict[str, DocumentRecord]) -> dict[str, tuple[str, ...]]:
    """Documents that are versions of one statement: a `supersedes` link between them, or the same id
    once version markers are removed (`-v1`, `-v2-revised`), or the same title (version words aside) and
    the same URL.

    Same title alone is not enough ("Joint Leaders Statement on AUKUS" was issued in 2021 and in 2023 as two
    different statements).
    """
    links: dict[str, set[str]] = defaultdict(set)

    def link(one: str, other: str) -> None:
        links[one].add(other)
        links[other].add(one)

    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for record in documents.values():
        superseded = record.extra.get("supersedes")
        for target in superseded if isinstance(superseded, list) else [superseded]:
            if isinstance(target, str) and target in documents and target != record.doc_id:
                link(record.doc_id, target)
        title = _normalized_title(record.title)
        by_key[("id", _id_base(record.doc_id))].append(record.doc_id)
        if record.url:
            by_key[("title-url", f"{title}|{record.url}")].append(record.doc_id)
        if _VERSION_NUMBER.search(record.doc_id) or _REVISED.search(record.doc_id):
            by_key[("title-marked", title)].append(record.doc_id)
    for members in by_key.values():
        for other in members[1:]:
            link(members[0], other)
    groups: dict[str, tuple[str, ...]] = {}
    for doc_id in links:
        if doc_id in groups:
            continue
        component, frontier = {doc_id}, [doc_id]
        while frontier:
            for neighbour in links[frontier.pop()] - component:
                component.add(neighbour)
                frontier.append(neighbour)
        ordered = tuple(sorted(component, key=lambda d: version_key(documents[d])))
        for member in component:
            groups[member] = ordered
    return groups
