"""The parts of an upload's multipart body, as python-multipart's push parser reports them.

Why a class of callbacks: the parser calls back per header and per slice of data, on whatever thread
feeds it (a worker thread, see `uploads.read_upload`), so all the state of "which part are we in, how big
is it so far, where does it go" lives here, and every limit is checked the moment a slice arrives. Only
two fields exist: `files` (one part per file, each written to its own staged file) and `metadata` (JSON
text, kept in memory up to its small limit); anything else is refused so a typo ("file") is not silently
ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.multipart import parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILES, METADATA = "files", "metadata"


class UploadRejected(Exception):
    """The upload cannot be accepted as sent; the status, code and message say why."""

    def __init__(self, status: int, code: str, detail: str, filename: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.filename = status, code, detail, filename


@dataclass(slots=True)
class StagedFile:
    filename: str  # as the client sent it: for messages only, never for a path
    stem: str  # sanitized
    suffix: str  # lower case, a supported format
    path: Path  # inside the staging folder
    size: int = 0


class FormParts:
    def __init__(
        self,
        staging: Path,
        file_bytes: int,
        max_files: int,
        field_bytes: int,
        suffix_of: Callable[[str], str],
        stem_of: Callable[[str], str],
    ) -> None:
        self._staging = staging
        self._file_bytes, self._max_files, self._field_bytes = file_bytes, max_files, field_bytes
        self._suffix_of, self._stem_of = suffix_of, stem_of
        self.files: list[StagedFile] = []
        self.metadata: bytearray | None = None
        self.finished = False
        self._field, self._value = bytearray(), bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._in_metadata = False
        self._current: StagedFile | None = None
        self._out: BinaryIO | None = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._headers.clear,
            "on_header_field": lambda data, start, end: self._field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _header_end(self) -> None:
        self._headers[bytes(self._field).lower()] = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        filename = raw_filename.decode("utf-8", "replace") if raw_filename is not None else None
        if name == FILES and filename is not None:
            self._open(filename)
        elif name == FILES:
            raise UploadRejected(422, "invalid_request", "files: each part named 'files' must be a file")
        elif name == METADATA and filename is None:
            if self.metadata is not None:
                raise UploadRejected(422, "invalid_request", "metadata: send the field once")
            self.metadata, self._in_metadata = bytearray(), True
        else:
            detail = (
                f"unknown form field {name!r}: send files in 'files' and their metadata (JSON) in 'metadata'"
            )
            raise UploadRejected(422, "invalid_request", detail)

    def _open(self, filename: str) -> None:
        if len(self.files) >= self._max_files:
            detail = f"too many files: at most {self._max_files} per request (ACCORDS_UPLOAD_MAX_FILES)"
            raise UploadRejected(413, "too_large", detail, filename)
        suffix = self._suffix_of(filename)  # refuses unsupported formats before a byte is written
        stem = self._stem_of(filename)
        folder = self._staging / f"{len(self.files):03d}"
        folder.mkdir(mode=0o700)
        self._current = StagedFile(filename, stem, suffix, folder / f"{stem}{suffix}")
        self.files.append(self._current)
        self._out = self._current.path.open("xb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        if self._current is not None and self._out is not None:
            self._current.size += size
            if self._current.size > self._file_bytes:
                name = self._current.filename
                detail = (
                    f"file {name!r} is larger than the upload limit of {self._file_bytes} bytes "
                    "(ACCORDS_UPLOAD_MAX_BYTES)"
                )
                raise UploadRejected(413, "too_large", detail, name)
            self._out.write(data[start:end])
        elif self._in_metadata and self.metadata is not None:
            if len(self.metadata) + size > self._field_bytes:
                detail = f"metadata: the field is larger than {self._field_bytes} bytes"
                raise UploadRejected(413, "too_large", detail)
            self.metadata.extend(data[start:end])

    def _part_end(self) -> None:
        current = self._current
        self.close()
        self._in_metadata = False
        if current is not None and current.size == 0:
            raise UploadRejected(422, "empty_file", f"file {current.filename!r} is empty", current.filename)

    def _end(self) -> None:
        self.finished = True

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
        self._out, self._current = None, None
