"""The one settings object (env prefix ACCORDS_), built in `main()` or by tests and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

import prompts
from ingest.settings import StoreSettings
from service.access.ratelimit import OptionalRate, Rate

PROMPTS_DIR = prompts.DIRECTORY  # the top-level prompts/ folder, shipped in the wheel as package data


class Settings(StoreSettings):
    host: str = Field(default="127.0.0.1", description="Address `accords serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535)
    top_k: int = Field(default=5, ge=1, le=20, description="Sources per answer unless a request says.")
    found_threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Override of the answer model's fitted threshold: below it the answer is 'not found'.",
    )
    refresh_interval_s: float = Field(
        default=1.0, ge=0.0, description="How often readers look for another process's ingest."
    )
    conversation_turns: int = Field(default=6, ge=1, le=50)
    conversation_ttl_s: float = Field(default=3600.0, gt=0)
    max_conversations: int = Field(default=10_000, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    model_threads: int | None = Field(
        default=1,
        ge=1,
        le=64,
        description="CPU threads per model call in the service: one question's embedding is too small to "
        "gain from more, and concurrent questions then do not fight over cores.",
    )
    max_concurrent_answers: int = Field(
        default=16, ge=1, le=10_000, description="Chat requests answered at once; more get 503 + Retry-After."
    )
    log_level: str = Field(default="INFO", pattern=r"(?i)^(debug|info|warning|error|critical)$")
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="`accords serve` log lines: auto = plain text on a terminal, JSON lines otherwise.",
    )
    # A language model behind an OpenAI-compatible API (OpenAI, Ollama, vLLM, llama.cpp); unset = extractive.
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1; unset = no LLM.",
    )
    llm_model: str = Field(
        default="gpt-4o-mini", min_length=1, description="Model name sent to the endpoint."
    )
    llm_api_key: SecretStr | None = Field(default=None, description="API key; local servers need none.")
    llm_timeout_s: float = Field(
        default=20.0,
        gt=0,
        le=600,
        description="Wait for the model's first token, and then for each next one.",
    )
    llm_max_tokens: int = Field(
        default=600, ge=16, le=16_384, description="Longest answer the model may write."
    )
    llm_temperature: float | None = Field(
        default=0.0, ge=0.0, le=2.0, description="Unset = the model's default."
    )
    prompts_dir: Path = Field(default=PROMPTS_DIR, description="system.md, answer.md and condense.md.")

    @field_validator("llm_temperature", mode="before")
    @classmethod
    def _blank_temperature_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value  # some models refuse one

    # Embedding the widget (service/access.py): site keys, CORS and rate limits on the chat routes.
    require_site_key: bool = Field(
        default=False, description="Refuse chat requests without a site key, same-origin ones included."
    )
    rate_limit_ip: OptionalRate = Field(
        default="60/minute", description="Chat requests per client IP, e.g. 60/minute; 'off' for no limit."
    )
    site_key_rate: Rate = Field(
        default="30/minute", description="Chat requests per site key created without --rate."
    )
    trusted_proxies: str = Field(
        default="", description="Comma-separated proxy IPs whose X-Forwarded-For names the client."
    )
    allowed_hosts: str = Field(
        default="*",
        description="Comma-separated host names the service answers to (the Host header; `*.example.org` "
        "for subdomains); any other Host gets 400, which stops DNS rebinding. '*' = any.",
    )

    # The admin API (service/admin/): uploads, deletions and ingest jobs over HTTP.
    admin_token: SecretStr | None = Field(
        default=None, min_length=16, description="Bearer token of the admin API (besides admin keys)."
    )
    ingest_root: Path | None = Field(
        default=None, description="The folder ingest jobs may read under; unset = no ingest jobs."
    )
    upload_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, description="Largest file accepted by an admin upload (413 over)."
    )
    upload_max_files: int = Field(default=20, ge=1, le=1000, description="Files per admin upload request.")

    # Shared state for several replicas (service/shared/): conversations, rate limits, jobs, keys, signals.
    redis_url: str | None = Field(
        default=None,
        description="Redis URL, e.g. redis://127.0.0.1:6379/0, shared by every replica; unset = kept in "
        "this process (and the keys in the data dir).",
    )
    redis_timeout_s: float = Field(
        default=0.25, gt=0, le=10, description="Longest wait for one Redis call before its fallback."
    )

    # The owner store (service/owner/): answer feedback, the question log, recorded answers.
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the owner store, e.g. postgresql+psycopg://user:pw@host/db, shared "
        "by every replica; unset = SQLite in the data dir (owner.db).",
    )
    question_log: bool = Field(
        default=False,
        description="on = keep each question (found or not, cited documents, latency, site key, "
        "conversation id) for ACCORDS_QUESTION_LOG_DAYS; off by default.",
    )
    question_log_days: int = Field(default=90, ge=1, le=3650, description="Days a logged question is kept.")
    feedback_days: int = Field(
        default=365, ge=1, le=3650, description="Days a visitor's rating (and its comment) is kept."
    )
    answer_retention_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 365,
        description="Hours an answer is kept so a visitor's thumbs up or down can be stored with it.",
    )

    @field_validator("admin_token", "ingest_root", "database_url", "redis_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admin_token", "llm_api_key", mode="before")
    @classmethod
    def _secret_without_spaces(cls, value: object) -> object:
        """A secret mounted from a file ends with a newline no client sends: it would refuse every call."""
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return value.strip() or None if isinstance(value, str) else value

    @property
    def site_keys_path(self) -> Path:
        return self.data_dir / "site-keys.json"
