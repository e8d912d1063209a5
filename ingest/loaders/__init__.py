"""Turn one file into a `LoadedDocument`, whatever its format, or say why it cannot be read.

Why a single entry point: the pipeline walks folders of mixed files and needs one call that either
returns normalized text with the metadata the file states, or raises `LoadError` with a one-line reason
for the ingest summary - never a traceback that would abort the rest of the folder. Of its subclasses,
`EmptyDocument` (the file is known to be empty) is the only one after which the pipeline deletes a
stored version; `TooLarge` (over a `budgets` limit) and `NoText` (nothing extracted) keep it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.loaders.base import EmptyDocument, LoadError, NoText, TooLarge, short_reason
from ingest.loaders.dates import find_date_in_text
from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.loaders.normalize import normalize_text
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_text
from ingest.models import LoadedDocument

__all__ = [
    "SUPPORTED_SUFFIXES",
    "EmptyDocument",
    "LoadError",
    "NoText",
    "TooLarge",
    "find_date_in_text",
    "load_document",
    "normalize_text",
]

_LOADERS: dict[str, Callable[[Path], LoadedDocument]] = {
    ".md": load_text,
    ".markdown": load_text,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_LOADERS)


def load_document(path: Path) -> LoadedDocument:
    """Load `path` by its (case-insensitive) suffix; every failure is a `LoadError` with a short reason."""
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        reason = f"'{suffix}'" if suffix else "(no file extension)"
        raise LoadError(f"unsupported format {reason}")
    try:
        return loader(path)
    except LoadError:
        raise
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or short_reason(exc)}") from exc
    except Exception as exc:  # a library bug on odd input must not abort a whole folder's ingest
        raise LoadError(f"cannot parse {suffix[1:].upper()}: {short_reason(exc)}") from exc
