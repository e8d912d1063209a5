"""Read an admin upload (multipart/form-data) off the socket into a private staging folder, within limits.

Why not FastAPI's `UploadFile`: Starlette reads the whole body before the route runs, spooling files to
the system temp folder, and has no limit per file, so a 2 GB upload would be written out in full before it
could be refused. Here the body is parsed as it arrives (python-multipart's push parser, fed off the event
loop), each file goes straight to disk, and the request is refused with a 413 that names the file as soon
as one file passes ACCORDS_UPLOAD_MAX_BYTES or the body passes the request cap. Nothing is held in memory
beyond one read batch (`_BATCH`).

A client's file name is used for two things only: its suffix, which must be a supported format (415
before a byte of it is written), and, sanitized (`safe_stem`), the default document id and the staged
file's stem (a missing title falls back to it, as with the CLI). The staged path is
`<staging>/<n>/<stem><suffix>`: no name a client sends can leave the folder or create one. Staging
folders live under DATA_DIR/uploads (mode 0700, on the data volume rather than a possibly RAM-backed
/tmp) and are removed after the write; ones left by a crash are swept after a day.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from ingest.loaders import SUPPORTED_SUFFIXES
from service.admin.parts import FormParts, StagedFile, UploadRejected

__all__ = ["StagedFile", "UploadForm", "UploadLimits", "UploadRejected", "read_upload", "safe_stem"]
_BATCH = 1 << 20  # bytes handed to the parser (and the disk) at once, off the event loop
_STALE_S = 24 * 3600
_UNSAFE = re.compile(r"[^\w.-]+")
# File systems allow 255 bytes per name; a stem of 100 CJK characters is 300. Room is left for the suffix.
_STEM_BYTES = 200


@dataclass(frozen=True, slots=True)
class UploadLimits:
    file_bytes: int
    files: int
    field_bytes: int  # the metadata field

    @property
    def request_bytes(self) -> int:
        """The whole body: every file at its limit, the field, and room for the part headers."""
        return self.files * (self.file_bytes + 4096) + self.field_bytes + 4096


@dataclass(slots=True)
class UploadForm:
    files: list[StagedFile] = field(default_factory=list)
    metadata: str | None = None


def safe_stem(filename: str) -> str:
    """The last segment of `filename` without its suffix, reduced to letters, digits, '.', '-', '_', and to
    at most 100 characters and 200 bytes of UTF-8 (cut on a character boundary)."""
    base = re.split(r"[\\/]", filename)[-1]
    stem = unicodedata.normalize("NFKC", PurePosixPath(base).stem) if base else ""
    cleaned = _UNSAFE.sub("-", stem).strip(".-_")[:100]
    cleaned = cleaned.encode("utf-8")[:_STEM_BYTES].decode("utf-8", "ignore").strip(".-_")
    return cleaned or f"upload-{secrets.token_hex(4)}"


def suffix_of(filename: str) -> str:
    suffix = PurePosixPath(re.split(r"[\\/]", filename)[-1]).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "(no file extension)"
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadRejected(
            415,
            "unsupported_format",
            f"file {printable(filename)!r}: unsupported format {shown}; supported: {supported}",
            filename,
        )
    return suffix


def printable(filename: str) -> str:
    return "".join(c for c in filename if c.isprintable())[:200]


def new_staging(data_dir: Path) -> Path:
    """A fresh private folder for one request's files (and a sweep of ones a crash left behind)."""
    parent = data_dir / "uploads"
    parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    for old in parent.iterdir():
        try:
            if time.time() - old.stat().st_mtime > _STALE_S:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix="upload-", dir=parent))


def remove_staging(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


async def read_upload(request: Request, staging: Path, limits: UploadLimits) -> UploadForm:
    """The request's files, staged, and its metadata field; UploadRejected (4xx) for anything wrong."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadRejected(415, "unsupported_media_type", "send the files as multipart/form-data")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.request_bytes:
        raise UploadRejected(413, "too_large", _too_large(limits))
    parts = FormParts(staging, limits.file_bytes, limits.files, limits.field_bytes, suffix_of, safe_stem)
    parser = MultipartParser(boundary, parts.callbacks())
    received, pending = 0, bytearray()
    try:
        async for chunk in request.stream():
            received += len(chunk)
            pending += chunk
            if received > limits.request_bytes:
                await run_in_threadpool(parser.write, bytes(pending))  # a file over its limit says so first
                raise UploadRejected(413, "too_large", _too_large(limits))
            if len(pending) >= _BATCH:
                await run_in_threadpool(parser.write, bytes(pending))
                pending.clear()
        if pending:
            await run_in_threadpool(parser.write, bytes(pending))
        parser.finalize()
    except MultipartParseError as error:
        raise UploadRejected(400, "bad_request", f"the multipart body is malformed: {error}") from None
    except ClientDisconnect:
        raise UploadRejected(
            400, "client_disconnected", "the client left before the upload was complete"
        ) from None
    finally:
        parts.close()
    if not parts.finished:
        raise UploadRejected(400, "bad_request", "the multipart body ended before its closing boundary")
    if not parts.files:
        raise UploadRejected(
            422, "invalid_request", "files: send one or more files in the form field 'files'"
        )
    return UploadForm(parts.files, parts.metadata.decode("utf-8", "replace") if parts.metadata else None)


def _too_large(limits: UploadLimits) -> str:
    return (
        f"request body is larger than {limits.request_bytes} bytes ({limits.files} files of at most "
        f"{limits.file_bytes} bytes each)"
    )
