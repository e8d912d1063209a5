"""The one settings object (env prefix ACCORDS_), built in `main()` or by tests and passed down."""

from __future__ import annotations

from pydantic import Field

from ingest.settings import StoreSettings


class Settings(StoreSettings):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
