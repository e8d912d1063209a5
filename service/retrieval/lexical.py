"""BM25 over the committed passages, derived from the store (local Chroma has no sparse index).

Derived, not stored: it is rebuilt from the store's chunks whenever the store's generation changes, so it
can never disagree with the vectors for longer than a rebuild. Each passage is indexed with its document
title and heading path, so "Article 605" or a statement's name finds passages whose text never repeats it.
Scoring is BM25 (`service.retrieval.bm25`), well under a millisecond a query on the corpus.

The index keeps no passage text: only ids and term ids (int32 arrays), so 100k passages cost tens of MB
rather than the ~1 GB of Python strings their terms would; the few hits a question needs are fetched
from the store by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ingest.store import StoredChunk
from service.retrieval.acronyms import acronyms_in, definitions
from service.retrieval.bm25 import Bm25
from service.retrieval.terms import name_stems, signature_terms, terms

TermIds = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class LexicalHit:
    chunk_id: str
    doc_id: str
    score: float


# A rebuild starts a compact vocabulary when more than this share of the terms no document uses any more.
MAX_UNUSED_SHARE = 0.5


class Vocabulary:
    """Term -> id, shared by every rebuild so cached documents keep their ids.

    Only ever added to while in use (an index that is still answering reads it), so the terms of deleted
    or replaced documents stay; `compact` starts a new one without them when they are the majority.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def encode(self, words: Iterable[str]) -> TermIds:
        ids = self.ids
        return np.fromiter((ids.setdefault(word, len(ids)) for word in words), dtype=np.int32)

    def known(self, words: Iterable[str]) -> list[int]:
        return [self.ids[word] for word in words if word in self.ids]


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """One committed document version, tokenized once: a rebuild after another process's ingest
    re-tokenizes only the documents that changed."""

    version: str
    chunk_ids: tuple[str, ...]
    terms: tuple[TermIds, ...]
    acronyms: dict[str, str]


def index_document(version: str, chunks: Iterable[StoredChunk], vocabulary: Vocabulary) -> IndexedDocument:
    ordered = sorted(chunks, key=lambda c: c.seq)
    acronyms: dict[str, str] = {}
    for chunk in ordered:
        acronyms.update(definitions(chunk.text))
    return IndexedDocument(
        version,
        tuple(chunk.chunk_id for chunk in ordered),
        tuple(vocabulary.encode(_passage_terms(chunk, acronyms)) for chunk in ordered),
        acronyms,
    )


def compact(
    vocabulary: Vocabulary, documents: dict[str, IndexedDocument], used: npt.NDArray[np.bool_]
) -> tuple[Vocabulary, dict[str, IndexedDocument]]:
    """A new vocabulary of the `used` term ids only (in their old order), and the documents in its ids.

    The old vocabulary is left as it was, for the index that still answers with it."""
    new_id = (np.cumsum(used, dtype=np.int64) - 1).astype(np.int32)
    fresh = Vocabulary()
    fresh.ids = {
        term: int(new_id[old]) for term, old in vocabulary.ids.items() if old < len(used) and used[old]
    }
    encoded = {
        doc_id: replace(document, terms=tuple(new_id[term_ids] for term_ids in document.terms))
        for doc_id, document in documents.items()
    }
    return fresh, encoded


def _passage_terms(chunk: StoredChunk, defined: dict[str, str]) -> list[str]:
    """Title, heading and text, plus the long form of every acronym the document defines and the passage
    uses, plus the acronyms themselves case-sensitively ("#RISE" is not the verb "rise")."""
    used = acronyms_in(chunk.text)
    long_forms = " ".join(defined[acronym] for acronym in used if acronym in defined)
    return [
        *terms(f"{chunk.title} {chunk.heading or ''} {chunk.text} {long_forms}"),
        *signature_terms(chunk.text),
        *name_stems(f"{chunk.title} {chunk.text}"),
        *(f"#{acronym}" for acronym in used),
    ]


class LexicalIndex:
    def __init__(
        self,
        documents: dict[str, IndexedDocument],
        generation: str,
        vocabulary: Vocabulary,
        bm25: Bm25 | None = None,
    ) -> None:
        """`bm25`: the scores of exactly these documents' passages, in this order (from a snapshot of
        the same generation); None = computed here."""
        self.generation = generation
        self._vocabulary = vocabulary
        self._chunk_ids = [cid for document in documents.values() for cid in document.chunk_ids]
        self._doc_ids = np.array(
            [doc_id for doc_id, document in documents.items() for _ in document.chunk_ids], dtype=object
        )
        self._acronyms = {doc_id: document.acronyms for doc_id, document in documents.items()}
        self._long_forms: dict[str, set[str]] = defaultdict(set)
        for found in self._acronyms.values():
            for acronym, long_form in found.items():
                self._long_forms[acronym].add(long_form)
        if bm25 is None:
            corpus = [term_ids for document in documents.values() for term_ids in document.terms]
            bm25 = Bm25(corpus, len(vocabulary.ids))
        self._bm25 = bm25
        self._frequency = self._bm25.frequency  # passages per term id, for idf

    def __len__(self) -> int:
        return len(self._chunk_ids)

    @property
    def bm25(self) -> Bm25:
        return self._bm25

    def used_terms(self) -> npt.NDArray[np.bool_]:
        """Whether a passage has each term id of the vocabulary (as it was when this index was built)."""
        used: npt.NDArray[np.bool_] = self._frequency > 0
        return used

    def idf(self, term: str) -> float:
        """Inverse document frequency over passages; unseen terms count as rare."""
        term_id = self._vocabulary.ids.get(term)
        frequency = (
            int(self._frequency[term_id]) if term_id is not None and term_id < len(self._frequency) else 0
        )
        return float(np.log(1.0 + (len(self._chunk_ids) - frequency + 0.5) / (frequency + 0.5)))

    def acronyms(self, doc_id: str) -> dict[str, str]:
        """Acronyms the document defines, with their long forms."""
        return self._acronyms.get(doc_id, {})

    def query_terms(self, query: str) -> list[str]:
        used = acronyms_in(query)
        long_forms = " ".join(form for acronym in used for form in sorted(self._long_forms.get(acronym, ())))
        return [*terms(f"{query} {long_forms}"), *name_stems(query), *(f"#{acronym}" for acronym in used)]

    def search(self, query: str, limit: int, allowed_docs: set[str] | None = None) -> list[LexicalHit]:
        # Terms added to the vocabulary after this index was built are unknown to it.
        known = [i for i in self._vocabulary.known(self.query_terms(query)) if i < len(self._frequency)]
        known = [i for i in known if self._frequency[i] > 0]
        if not known:
            return []
        mask: npt.NDArray[np.float32] | None = None
        if allowed_docs is not None:
            mask = np.isin(self._doc_ids, list(allowed_docs)).astype(np.float32)
            if not mask.any():
                return []
        return [
            LexicalHit(self._chunk_ids[index], str(self._doc_ids[index]), score)
            for index, score in self._bm25.top(known, limit, mask)
        ]
