"""The lexical index on disk, so a service starts without tokenizing the store or recomputing BM25.

Why: building the lexical index means fetching every passage from the store (with its metadata, sentence
vectors included: ~10 times the text), tokenizing it in Python and computing BM25 over all of it. With
101,589 passages a replica took 88 s to start on a busy 2-core machine; from this file, 6 s
(`bench/query.py --startup-only`). Each process that built an index writes it here (`snapshot_writer.py`);
the next one to start reads it:

- per document version, its passages' term ids, and the vocabulary: documents whose committed version
  and passage count still match are not fetched nor tokenized again, only the others;
- the BM25 arrays and the generation and document order they were computed for: when the store has not
  changed since, the index is used as it is, with nothing computed at all.

The file is a cache, never the truth: documents are keyed by version (a content hash), so a snapshot of
an older generation still saves all the unchanged ones; one written by other tokenizer code (a hash of
the modules that make the terms, and the stemmer's version) is ignored; a damaged or unreadable one is
ignored and rewritten. It is replaced atomically (write, then rename), so processes sharing a data dir
never read half a file.

Layout: 8 bytes of magic, the JSON header's length (8 bytes, little-endian), the header (vocabulary,
documents, and where each array is), then the arrays, each at an offset that is a multiple of 8. The
arrays are memory-mapped, not read: they are views of the page cache, shared by the processes of one
machine and given back under pressure, rather than each process's own memory.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from service.retrieval.bm25 import Bm25
from service.retrieval.lexical import IndexedDocument, Vocabulary

log = logging.getLogger(__name__)

MAGIC = b"ACLEX002"
_LENGTH = struct.Struct("<Q")
_ALIGN = 8
# The modules whose code decides a passage's terms and their scores: change one and no snapshot applies.
_TOKENIZER_MODULES = (
    "service.retrieval.terms",
    "service.retrieval.acronyms",
    "service.retrieval.lexical",
    "service.retrieval.bm25",
)
_PIECE = 1 << 20  # values per read when checking an array's bounds
_DTYPES = {"terms": "<i4", "frequency": "<i4", "scores": "<f4", "passages": "<i4", "starts": "<i8"}


@dataclass(frozen=True, slots=True)
class Snapshot:
    vocabulary: Vocabulary
    documents: dict[str, IndexedDocument]  # in the order the BM25 index counts their passages
    generation: str | None  # the store generation `bm25` was computed for
    bm25: Bm25 | None  # over exactly `documents`' passages; None when the snapshot holds no index


def tokenizer_fingerprint() -> str:
    """A hash of the code that turns passages into terms and scores, and of the stemmer's version."""
    digest = hashlib.sha256()
    for name in _TOKENIZER_MODULES:
        source = getattr(sys.modules[name], "__file__", None)
        digest.update(Path(source).read_bytes() if source else name.encode())
    digest.update(importlib.metadata.version("PyStemmer").encode())
    return digest.hexdigest()[:16]


def save_snapshot(
    path: Path,
    terms: list[str],
    documents: dict[str, IndexedDocument],
    generation: str | None = None,
    bm25: Bm25 | None = None,
) -> None:
    """Write `documents` (term ids of `terms`, the vocabulary in id order) to `path`, atomically, with
    `bm25` (computed over exactly these documents, in this order, at `generation`) when given."""
    # Written piece by piece, never joined: a copy of the term ids would cost ~55 MB at 100,000 passages.
    passages = [term_ids for document in documents.values() for term_ids in document.terms]
    arrays: list[tuple[str, list[npt.NDArray[Any]]]] = [("terms", passages)]
    if bm25 is not None:
        arrays += [(name, [array]) for name, array in bm25.arrays().items()]
    places, offset = {}, 0
    for name, pieces in arrays:
        count = sum(len(piece) for piece in pieces)
        places[name] = [offset, count]
        offset += -(-count * np.dtype(_DTYPES[name]).itemsize // _ALIGN) * _ALIGN
    header = json.dumps(
        {
            "tokenizer": tokenizer_fingerprint(),
            "generation": generation if bm25 is not None else None,
            "terms": terms,
            "documents": [
                [doc_id, d.version, list(d.chunk_ids), d.acronyms, [len(t) for t in d.terms]]
                for doc_id, d in documents.items()
            ],
            "arrays": places,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    header += b" " * (-(len(MAGIC) + _LENGTH.size + len(header)) % _ALIGN)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(MAGIC + _LENGTH.pack(len(header)) + header)
            for name, pieces in arrays:
                written = 0
                for piece in pieces:
                    data = np.ascontiguousarray(piece, dtype=_DTYPES[name])
                    sink.write(data.data)
                    written += data.nbytes
                sink.write(b"\0" * (-written % _ALIGN))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_snapshot(path: Path) -> Snapshot | None:
    """The snapshot at `path`; None when there is none, it was written by other tokenizer code, or it
    cannot be read (logged)."""
    try:
        with path.open("rb") as source:
            if source.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a lexical snapshot")
            (length,) = _LENGTH.unpack(source.read(_LENGTH.size))
            header: dict[str, Any] = json.loads(source.read(length))
        if header.get("tokenizer") != tokenizer_fingerprint():
            log.info("lexical snapshot %s was written by other tokenizer code; ignored", path)
            return None
        start = len(MAGIC) + _LENGTH.size + length
        arrays = _mapped(path, start, header["arrays"])
        bounds = {
            name: _bounds(path, start, header["arrays"][name], _DTYPES[name])
            for name in ("terms", "passages")
            if name in header["arrays"]
        }
        return _decode(header, arrays, bounds)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError, struct.error) as err:
        log.warning("lexical snapshot %s is unreadable, rebuilt from the store: %s", path, err)
        return None


def _mapped(path: Path, start: int, places: dict[str, list[int]]) -> dict[str, npt.NDArray[Any]]:
    size = path.stat().st_size
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, (offset, count) in places.items():
        dtype = np.dtype(_DTYPES[name])
        if start + offset + count * dtype.itemsize > size:
            raise ValueError(f"the file ends before its {name} array")
        if count == 0:  # numpy cannot map zero bytes
            arrays[name] = np.zeros(0, dtype=dtype)
            continue
        # A plain array over the mapping: slicing a `np.memmap` 100,000 times took seconds.
        mapped = np.memmap(path, dtype=dtype, mode="r", offset=start + offset, shape=(count,))
        arrays[name] = mapped.view(np.ndarray)
    return arrays


def _bounds(path: Path, start: int, place: list[int], dtype: str) -> tuple[int, int]:
    """The smallest and largest value of an integer array of the file, read in pieces rather than through
    its mapping: checking ~90 MB of ids that way would count them all in the process's resident memory."""
    offset, count = place
    low, high = 0, -1
    with path.open("rb") as source:
        source.seek(start + offset)
        for begin in range(0, count, _PIECE):
            piece = np.fromfile(source, dtype=dtype, count=min(_PIECE, count - begin))
            low = min(low, int(piece.min())) if begin else int(piece.min())
            high = max(high, int(piece.max()))
    return low, high


def _decode(
    header: dict[str, Any], arrays: dict[str, npt.NDArray[Any]], bounds: dict[str, tuple[int, int]]
) -> Snapshot:
    """`bounds`: the smallest and largest id of the term and passage arrays (ids out of range would
    fail a query, not just answer it badly)."""
    vocabulary = Vocabulary()
    vocabulary.ids = {str(term): index for index, term in enumerate(header["terms"])}
    if len(vocabulary.ids) != len(header["terms"]):
        raise ValueError("a term is listed twice")
    flat = arrays["terms"]
    if len(flat) and (bounds["terms"][0] < 0 or bounds["terms"][1] >= len(vocabulary.ids)):
        raise ValueError("a term id outside the vocabulary")
    documents: dict[str, IndexedDocument] = {}
    position = 0
    for doc_id, version, chunk_ids, acronyms, lengths in header["documents"]:
        if len(chunk_ids) != len(lengths):
            raise ValueError(f"document {doc_id!r}: {len(chunk_ids)} passages, {len(lengths)} lengths")
        terms = []
        for length in lengths:
            terms.append(flat[position : position + length])
            position += length
        documents[str(doc_id)] = IndexedDocument(
            str(version), tuple(map(str, chunk_ids)), tuple(terms), dict(acronyms)
        )
    if position != len(flat):
        raise ValueError(f"{len(flat)} term ids stored, {position} described")
    generation = header.get("generation")
    bm25 = None
    if generation is not None and all(name in arrays for name in Bm25.ARRAYS):
        passages = sum(len(document.chunk_ids) for document in documents.values())
        low, high = bounds["passages"]
        if len(arrays["passages"]) and (low < 0 or high >= passages):
            raise ValueError("a BM25 entry names a passage outside the index")
        bm25 = Bm25.restore({name: arrays[name] for name in Bm25.ARRAYS}, passages)
        if len(bm25.frequency) > len(vocabulary.ids):
            raise ValueError("BM25 counts more terms than the vocabulary has")
    return Snapshot(vocabulary, documents, str(generation) if bm25 is not None else None, bm25)
