"""Plumbing every loader shares: the error types, reading and decoding bytes, and muting libraries.

Why: a bad file must end as one short `LoadError` line in the ingest summary, never as a traceback or a
flood of library log lines. Reading bytes here (instead of letting pypdf/python-docx open paths) gives
every format the same "unreadable: ..." message and the same guards (regular files only, a size budget
per format), and `library_diagnostics` turns what pypdf, trafilatura and friends log or `warnings.warn`
while parsing into document warnings the user actually sees once.
"""

from __future__ import annotations

import codecs
import errno
import logging
import os
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import charset_normalizer

from ingest.discovery import irregular_kind
from ingest.loaders.budgets import size

# How much of a file is sniffed for NUL bytes (the same heuristic git and grep use for "binary").
BINARY_SNIFF_BYTES = 8192
_QUIET_LOGGERS = ("pypdf", "trafilatura", "htmldate", "courlan", "justext", "docx", "charset_normalizer")
_MAX_NOTES = 3
# Pre-2001 Mac/HP code pages: on a short German or French paragraph charset-normalizer's language
# scoring can rank e.g. mac_turkish first ("Größe" read as "Grˆfle"), while such files are all but
# extinct. Excluding them lets the Windows/ISO code page that really fits win.
_OBSOLETE_CODEPAGES = ["mac_roman", "mac_turkish", "mac_iceland", "mac_latin2", "mac_greek", "hp_roman8"]


class LoadError(Exception):
    """A file that cannot be ingested; `str(err)` is the one-line reason shown in the summary."""


class EmptyDocument(LoadError):
    """The file is known to hold no text (zero bytes, or only whitespace once decoded): the pipeline
    removes a stored document whose file became empty. Every other `LoadError` leaves it in place."""

    def __init__(self, reason: str = "empty: no text") -> None:
        super().__init__(reason)


class NoText(LoadError):
    """The file parsed but yielded no text (a scanned PDF, a page where extraction found nothing).

    Not an `EmptyDocument`: the text may well be there, beyond what the loader can extract, so a
    stored version of the document is kept rather than deleted.
    """


class TooLarge(LoadError):
    """The file is over one of the `budgets`; the reason names the budget."""


def short_reason(exc: BaseException, limit: int = 120) -> str:
    """A library exception as a short single line (its message, else its class name)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; zero bytes is an `EmptyDocument`.

    Opened non-blocking and checked with fstat on the open descriptor: opening a FIFO otherwise waits
    for a writer (forever, in an ingest folder), and a check by path before opening races with the
    file being swapped for one.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise LoadError(_unopenable(path, exc)) from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise LoadError(f"unreadable: {os.strerror(errno.EISDIR)}")
        kind = irregular_kind(info.st_mode)
        if kind:
            raise LoadError(f"not a regular file: {kind}")
        if info.st_size > limit:
            raise TooLarge(f"too large: {size(info.st_size)}, over the {size(limit)} budget for this format")
        with open(fd, "rb", closefd=False) as file:
            data = file.read(limit + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or short_reason(exc)}") from exc
    finally:
        os.close(fd)
    if len(data) > limit:
        raise TooLarge(f"too large: over the {size(limit)} budget for this format")
    if not data:
        raise EmptyDocument()
    return data


def _unopenable(path: Path, exc: OSError) -> str:
    """Why `path` cannot be opened: a socket fails with "No such device", which names no cause."""
    try:
        kind = irregular_kind(os.stat(path).st_mode)
    except OSError:
        kind = None
    return f"not a regular file: {kind}" if kind else f"unreadable: {exc.strerror or short_reason(exc)}"


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode a text file: BOM, else UTF-8, else whatever charset-normalizer detects.

    Returns the text and warnings (naming the encoding when it was not UTF-8). UTF-16/32 files are
    recognised by their BOM before the NUL-byte check, because their NULs are not a sign of binary data.
    """
    for bom, encoding in _BOMS:  # UTF-32-LE's BOM starts with UTF-16-LE's, hence the order
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError(f"cannot decode text: invalid {encoding}") from exc
            return text, [] if encoding == "utf-8-sig" else [f"decoded as {encoding} (not UTF-8)"]
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        raise LoadError("binary file (NUL bytes)")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    matches = charset_normalizer.from_bytes(data, cp_exclusion=_OBSOLETE_CODEPAGES)
    best = matches.best()
    if best is None:
        raise LoadError("cannot decode text: not UTF-8 and no known encoding fits")
    # charset-normalizer breaks exact ties arbitrarily: French cp1252 text scores the same as cp1250
    # and comes back with "è" read as "č". Among equally good guesses, prefer cp1252, the usual legacy
    # encoding of the English/Western European documents this tool is for.
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    best = next((m for m in tied if "cp1252" in m.could_be_from_charset), best)
    return str(best), [f"decoded as {best.encoding} (not UTF-8)"]


_notes: ContextVar[list[str] | None] = ContextVar("loader_notes", default=None)


class _CollectingHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        notes = _notes.get()
        if notes is not None:
            notes.append(f"{record.name.split('.')[0]}: {record.getMessage()}")


def _install_quiet_handlers() -> None:
    # Parsing libraries log at WARNING/ERROR for routine oddities ("Ignoring wrong pointing object",
    # "empty HTML tree"); with no handler configured those go straight to stderr via logging's
    # last-resort handler. Route them to our collector instead and stop them propagating.
    handler = _CollectingHandler(level=logging.WARNING)
    for name in _QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False


_install_quiet_handlers()


@contextmanager
def library_diagnostics(warning_list: list[str]) -> Iterator[None]:
    """Collect library log records and Python warnings raised inside the block into `warning_list`.

    Only a few distinct notes are kept: one malformed PDF can log the same complaint hundreds of times.
    """
    notes: list[str] = []
    token = _notes.set(notes)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        _notes.reset(token)
    notes.extend(f"{w.category.__name__}: {w.message}" for w in caught)
    distinct = list(dict.fromkeys(notes))
    for note in distinct[:_MAX_NOTES]:
        warning_list.append(f"parser: {note}")
    if len(distinct) > _MAX_NOTES:
        warning_list.append(f"parser: ... and {len(distinct) - _MAX_NOTES} more")
