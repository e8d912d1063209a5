"""An upload's optional `metadata` form field, and the pipeline candidates built from the staged files.

The field is JSON: one object (for every file of the request; it may then hold an `id` only when there
is one file) or a list with one object (or null) per file, in the order of the files. Fields: `id`,
`title`, `date` (YYYY-MM-DD), `kind`, `url` (http or https), `parties` (list of names). They win over
what the file states (front matter, HTML meta tags) and go through the pipeline as overrides, so they
count in the content hash like the file's own metadata.

A document's id is the metadata `id`, else the id the file states (front matter, as with the CLI), else
the sanitized stem of the client's file name (`service.admin.uploads.safe_stem`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ingest.discovery import Candidate
from service.admin.parts import StagedFile
from service.admin.state import AdminError
from service.http import MAX_JSON_DEPTH, json_too_deep

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class UploadMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(default=None, min_length=1, max_length=300)
    title: str | None = Field(default=None, min_length=1, max_length=500)
    date: dt.date | None = None
    kind: str | None = Field(default=None, min_length=1, max_length=100)
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    parties: list[str] | None = Field(default=None, max_length=100)

    @field_validator("id", "title", "kind", "url")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        # A file's own metadata loses them (`ingest.loaders.normalize.clean_field`); stated ones are refused,
        # or an id with a NUL (found by tests/hostile) is stored and can hardly be addressed again.
        if value is not None and _CONTROL.search(value):
            raise ValueError("control characters (NUL, line breaks, ...) are not allowed")
        return value

    @field_validator("parties")
    @classmethod
    def _names(cls, parties: list[str] | None) -> list[str] | None:
        if parties is not None and any(not name.strip() or len(name) > 300 for name in parties):
            raise ValueError("parties must be non-blank names of at most 300 characters")
        if parties is not None and any(_CONTROL.search(name) for name in parties):
            raise ValueError("control characters (NUL, line breaks, ...) are not allowed")
        return [name.strip() for name in parties] if parties is not None else None

    def overrides(self) -> dict[str, Any]:
        """As `ingest.records.apply_overrides` takes them (LoadedDocument field names)."""
        stated = self.model_dump(exclude_none=True)
        overrides: dict[str, Any] = {k: v for k, v in stated.items() if k in ("title", "kind", "url")}
        if self.id is not None:
            overrides["doc_id"] = self.id
        if self.date is not None:
            overrides["date"] = self.date.isoformat()
        if self.parties is not None:
            overrides["parties"] = tuple(self.parties)
        return overrides


def _invalid(detail: str) -> AdminError:
    return AdminError(422, f"metadata: {detail}", "invalid_request")


def parse_metadata(raw: str | None, files: int) -> list[UploadMetadata | None]:
    """One entry per file (None: nothing stated); AdminError 422 naming the problem."""
    if raw is None or not raw.strip():
        return [None] * files
    if json_too_deep(raw):  # the parser recurses per level: 1,000 levels raise RecursionError
        raise _invalid(f"nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as error:
        raise _invalid(f"not valid JSON ({error})") from None
    if isinstance(data, dict):
        if files > 1 and "id" in data:
            raise _invalid("one object for several files cannot hold an `id`; send a list, one per file")
        return [_model(data, "")] * files
    if isinstance(data, list):
        if len(data) != files:
            raise _invalid(f"a list of {len(data)} entries for {files} files; send one entry per file")
        return [None if item is None else _model(item, f"[{index}]") for index, item in enumerate(data)]
    raise _invalid("send a JSON object, or a list with one object per file")


def _model(data: object, where: str) -> UploadMetadata:
    if not isinstance(data, dict):
        raise _invalid(f"entry{where} must be an object or null")
    try:
        return UploadMetadata.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{where}.{'.'.join(str(part) for part in item['loc'])}: {item['msg']}".lstrip(".")
            for item in error.errors()
        ]
        raise _invalid("; ".join(problems)) from None


def candidates(
    files: list[StagedFile], metadata: list[UploadMetadata | None], document_id: str | None = None
) -> list[Candidate]:
    """Pipeline candidates for the staged files; `document_id` (PUT) fixes the id whatever else says."""
    found = []
    for staged, stated in zip(files, metadata, strict=True):
        overrides = stated.overrides() if stated is not None else {}
        if document_id is not None:
            overrides["doc_id"] = document_id
        found.append(
            Candidate(
                path=staged.path,
                path_id=overrides.get("doc_id", staged.stem),
                root=None,
                source=f"upload:{staged.stem}{staged.suffix}",
                overrides=overrides,
            )
        )
    return found
