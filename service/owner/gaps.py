"""The unanswered-questions report: what visitors asked that the documents did not answer, grouped by
meaning, so the owner knows which documents to add.

Its questions are the answers that said "not in the documents" (from the question log and the recently
recorded answers) and those a visitor gave a thumbs down, each answer once. They are embedded with the
service's own model and grouped by scikit-learn's agglomerative clustering, average linkage over cosine
distances, cut at `DISTANCE_THRESHOLD`: no number of groups is fixed in advance, and a group's members are
on average that alike. Each group gets its size, up to three distinct example questions (those nearest
its centre), the documents nearest its centre (the centroid of its question vectors, searched in the
store, committed versions only), the dates of its first and last question and why its questions are
there (not found, thumbs down).

Why 0.575: measured by `python -m bench.gap_threshold` on the 180 training questions that name the
document answering them, grouped by that document (a document's questions are the ones its absence would
leave unanswered). The adjusted Rand index of the clusters against those groups peaks at 0.295 at 0.575,
on a plateau of 0.26-0.30 from 0.50 to 0.625; it falls to 0.17 at 0.45 (paraphrases split) and at 0.70
(unrelated questions merged).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
from pydantic import BaseModel

from ingest.embedders import Embedder
from ingest.store import ChunkStore, StoreUnavailable
from service.owner.records import DocumentRef, GapQuestion

log = logging.getLogger(__name__)
DISTANCE_THRESHOLD = 0.575
EXAMPLES = 3
DOCUMENTS = 3
NEAREST_PASSAGES = 30  # passages searched per group, for its DOCUMENTS nearest documents

Closest = Callable[[np.ndarray], list[DocumentRef]]


class Reasons(BaseModel):
    not_found: int
    thumbs_down: int


class GapCluster(BaseModel):
    size: int
    examples: list[str]
    documents: list[DocumentRef]
    first_seen: datetime
    last_seen: datetime
    reasons: Reasons


class GapsReport(BaseModel):
    questions: int
    clusters: list[GapCluster]


def gaps_report(
    questions: Sequence[GapQuestion],
    embedder: Embedder,
    closest: Closest,
    threshold: float = DISTANCE_THRESHOLD,
) -> GapsReport:
    """The groups of `questions`, largest first (then the most recent)."""
    if not questions:
        return GapsReport(questions=0, clusters=[])
    vectors = _unit_rows(np.asarray(embedder.embed([item.question for item in questions]), dtype=np.float32))
    if len(questions) == 1:
        labels = np.zeros(1, dtype=np.int64)
    else:
        from sklearn.cluster import AgglomerativeClustering  # imported when needed: ~1 s of start-up

        labels = AgglomerativeClustering(
            n_clusters=None, distance_threshold=threshold, metric="cosine", linkage="average"
        ).fit_predict(vectors)
    clusters = [
        _cluster([questions[int(i)] for i in members], vectors[members], closest)
        for members in (np.flatnonzero(labels == label) for label in np.unique(labels))
    ]
    clusters.sort(key=lambda cluster: (-cluster.size, -cluster.last_seen.timestamp()))
    return GapsReport(questions=len(questions), clusters=clusters)


def _cluster(items: list[GapQuestion], vectors: np.ndarray, closest: Closest) -> GapCluster:
    centre = _unit_rows(vectors.mean(axis=0, keepdims=True))[0]
    examples: dict[str, str] = {}
    for index in np.argsort(-(vectors @ centre), kind="stable"):
        text = items[int(index)].question.strip()
        examples.setdefault(" ".join(text.casefold().split()), text)
        if len(examples) == EXAMPLES:
            break
    stamps = [item.created_at for item in items]
    return GapCluster(
        size=len(items),
        examples=list(examples.values()),
        documents=closest(centre),
        first_seen=min(stamps),
        last_seen=max(stamps),
        reasons=Reasons(
            not_found=sum(item.not_found for item in items),
            thumbs_down=sum(item.thumbs_down for item in items),
        ),
    )


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def closest_documents(store: ChunkStore, limit: int = DOCUMENTS) -> Closest:
    """The documents of the passages nearest a vector, committed versions only; none if the store is
    unreachable (the report is still worth showing)."""
    records: dict[str, tuple[str, str]] | None = None

    def closest(vector: np.ndarray) -> list[DocumentRef]:
        nonlocal records
        try:
            if records is None:  # read once per report
                records = {doc: (r.version, r.title) for doc, r in store.documents().items()}
            hits = store.nearest(vector.astype(np.float32), NEAREST_PASSAGES, None)
            chunks = store.chunks_by_ids([chunk_id for chunk_id, _ in hits])
        except StoreUnavailable as error:
            log.warning("gaps report without documents: %s", error)
            return []
        order = {chunk_id: rank for rank, (chunk_id, _) in enumerate(hits)}
        found: dict[str, DocumentRef] = {}
        for chunk in sorted(chunks, key=lambda chunk: order.get(chunk.chunk_id, len(order))):
            record = records.get(chunk.doc_id)
            if record is not None and record[0] == chunk.version and chunk.doc_id not in found:
                found[chunk.doc_id] = DocumentRef(document_id=chunk.doc_id, title=record[1])
        return list(found.values())[:limit]

    return closest
