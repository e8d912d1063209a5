"""The one settings object (env prefix ACCORDS_), built in `main()` or by tests and passed down."""

from __future__ import annotations

from pydantic import Field

from ingest.settings import StoreSettings


class Settings(StoreSettings):
    host: str = Field(default="127.0.0.1", description="Address `accords serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535)
    top_k: int = Field(default=5, ge=1, le=20, description="Sources per answer unless a request says.")
    found_threshold: float = Field(
        default=0.36, ge=0.0, le=1.0, description="Evidence score below which the answer is 'not found'."
    )
    refresh_interval_s: float = Field(
        default=1.0, ge=0.0, description="How often readers look for another process's ingest."
    )
    conversation_turns: int = Field(default=6, ge=1, le=50)
    conversation_ttl_s: float = Field(default=3600.0, gt=0)
    max_conversations: int = Field(default=10_000, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
