"""PDF files: signed treaty texts and official statements are most often published this way.

Why per-page spans: answers cite "page 4", so each page's text is normalized on its own and the pages
are joined with the paragraph separator, which makes `text[span.start:span.end]` exactly that page.
Why so many distinct errors: an encrypted PDF, a truncated download and a scanned image need different
fixes from the user, and pypdf signals each differently (a return value, several exception types, or
simply empty text), so they are mapped here to one clear line each.
The date is never taken from /CreationDate (that is when the file was made, not when it was signed).
Why a page budget and a text budget on top of pypdf's own limits (`pypdf.Configuration` bounds what
each stream may inflate to): those bound one page, not how many pages a file may ask us to read.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from ingest.loaders import budgets
from ingest.loaders.base import LoadError, NoText, TooLarge, library_diagnostics, read_bytes, short_reason
from ingest.loaders.dates import find_date_in_text
from ingest.loaders.normalize import PARAGRAPH_SEP, clean_field, normalize_text
from ingest.models import LoadedDocument, PageSpan

SCANNED = "no extractable text (scanned PDF? OCR is not supported)"


def _open(data: bytes) -> Any:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except DependencyError as exc:  # AES without the optional 'cryptography' package
        raise LoadError(f"encrypted PDF ({short_reason(exc)})") from exc
    except Exception as exc:  # pypdf raises PdfReadError, PdfStreamError, ValueError, KeyError, ...
        raise LoadError(f"corrupt PDF: {short_reason(exc)}") from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # DependencyError for AES without 'cryptography', or a broken /Encrypt
            raise LoadError(f"encrypted PDF ({short_reason(exc)})") from exc
        if not opened:  # PasswordType.NOT_DECRYPTED == 0
            raise LoadError("encrypted PDF")
    return reader


def _page_texts(reader: Any, warnings: list[str]) -> list[tuple[int, str]]:
    """`(1-based page number, normalized text)` for every page that has text."""
    try:
        count = len(reader.pages)
        if count > budgets.MAX_PDF_PAGES:
            raise TooLarge(f"too many pages: {count:,}, over the {budgets.MAX_PDF_PAGES:,}-page budget")
        pages = list(reader.pages)
    except (FileNotDecryptedError, DependencyError) as exc:
        raise LoadError("encrypted PDF") from exc
    except TooLarge:
        raise
    except Exception as exc:
        raise LoadError(f"corrupt PDF: {short_reason(exc)}") from exc
    texts: list[tuple[int, str]] = []
    failed: list[int] = []
    chars = 0
    for number, page in enumerate(pages, start=1):
        try:
            text = normalize_text(page.extract_text() or "")
        except (FileNotDecryptedError, DependencyError) as exc:
            raise LoadError("encrypted PDF") from exc
        except Exception:  # one damaged content stream should not cost the other pages
            failed.append(number)
            continue
        chars += len(text)
        if chars > budgets.MAX_TEXT_CHARS:
            budget = budgets.MAX_TEXT_CHARS
            raise TooLarge(f"too much text: over the {budget:,}-character budget by page {number}")
        if text:
            texts.append((number, text))
    if failed:
        warnings.append(f"text extraction failed on page(s) {_numbers(failed)}")
    if not texts and failed:
        raise LoadError(f"corrupt PDF: text extraction failed on all {len(failed)} page(s)")
    with_text = {number for number, _ in texts}
    empty = [n for n in range(1, len(pages) + 1) if n not in with_text and n not in failed]
    if texts and empty:
        warnings.append(f"no text on page(s) {_numbers(empty)} (scanned or blank)")
    return texts


def _numbers(pages: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in pages[:limit])
    return shown + (f" and {len(pages) - limit} more" if len(pages) > limit else "")


def _title(reader: Any) -> str | None:
    try:
        metadata = reader.metadata
        return clean_field(metadata.title) if metadata is not None else None
    except (PdfReadError, ValueError, TypeError, KeyError, AttributeError):  # broken /Info dictionary
        return None


def load_pdf(path: Path) -> LoadedDocument:
    """Load a `.pdf`: text per page with exact page spans; title from /Title."""
    data = read_bytes(path, budgets.MAX_PDF_BYTES)
    warnings: list[str] = []
    with library_diagnostics(warnings):
        reader = _open(data)
        page_texts = _page_texts(reader, warnings)
        title = _title(reader)
    if not page_texts:
        raise NoText(SCANNED)
    spans: list[PageSpan] = []
    offset = 0
    for number, page_text in page_texts:
        spans.append(PageSpan(page=number, start=offset, end=offset + len(page_text)))
        offset += len(page_text) + len(PARAGRAPH_SEP)
    text = PARAGRAPH_SEP.join(page_text for _, page_text in page_texts)
    return LoadedDocument(
        text=text,
        format="pdf",
        title=title,
        date=find_date_in_text(text),
        pages=tuple(spans),
        warnings=tuple(warnings),
    )
