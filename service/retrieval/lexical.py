"""BM25 over the committed passages, derived from the store (local Chroma has no sparse index).

Derived, not stored: it is rebuilt from the store's chunks whenever the store's generation changes, so it
can never disagree with the vectors for longer than a rebuild. Each passage is indexed with its document
title and heading path, so "Article 605" or a statement's name finds passages whose text never repeats it.
bm25s answers in well under a millisecond on this corpus (rank_bm25 took ~40 ms on 10k chunks).

The index keeps no passage text: only ids and term ids (int32 arrays), so 100k passages cost tens of MB
rather than the ~1 GB of Python strings their terms would; the few hits a question needs are fetched
from the store by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import bm25s
import numpy as np
import numpy.typing as npt
from bm25s.tokenization import Tokenized

from ingest.store import StoredChunk
from service.retrieval.acronyms import acronyms_in, definitions
from service.retrieval.terms import name_stems, signature_terms, terms

TermIds = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class LexicalHit:
    chunk_id: str
    doc_id: str
    score: float


class Vocabulary:
    """Term -> id, shared by every rebuild so cached documents keep their ids."""

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
        self, documents: dict[str, IndexedDocument], generation: str, vocabulary: Vocabulary
    ) -> None:
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
        corpus = [term_ids for document in documents.values() for term_ids in document.terms]
        self._frequency = np.zeros(len(vocabulary.ids) + 1, dtype=np.int32)
        for term_ids in corpus:
            self._frequency[np.unique(term_ids)] += 1
        self._bm25: bm25s.BM25 | None = None
        if corpus:
            self._bm25 = bm25s.BM25()
            # A copy: bm25s adds an entry of its own to the vocabulary it is given.
            tokenized = Tokenized(ids=[term_ids.tolist() for term_ids in corpus], vocab=dict(vocabulary.ids))
            self._bm25.index(tokenized, show_progress=False)

    def __len__(self) -> int:
        return len(self._chunk_ids)

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
        known = [i for i in self._vocabulary.known(self.query_terms(query)) if i < len(self._frequency) - 1]
        known = [i for i in known if self._frequency[i] > 0]
        if self._bm25 is None or not known:
            return []
        mask: npt.NDArray[np.float32] | None = None
        if allowed_docs is not None:
            mask = np.isin(self._doc_ids, list(allowed_docs)).astype(np.float32)
            if not mask.any():
                return []
        k = min(limit, len(self._chunk_ids))
        query = Tokenized(ids=[known], vocab=self._vocabulary.ids)
        indexes, scores = self._bm25.retrieve(query, k=k, show_progress=False, weight_mask=mask, n_threads=0)
        return [
            LexicalHit(self._chunk_ids[int(index)], str(self._doc_ids[int(index)]), float(score))
            for index, score in zip(indexes[0], scores[0], strict=True)
            if score > 0
        ]
