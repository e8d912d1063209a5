"""Store and ingestion settings.

They live in `ingest` because the ingestion job needs them on its own; the service's `Settings`
extends this class, so one object built in `main()` serves both and nothing reads the environment
anywhere else.
"""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EXCLUDES = ("README.md", "README.txt", "INDEX.md", "index.md", "readme.md")


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

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "ingest.lock"
