"""Word files: drafts and negotiated texts circulate as .docx long before a PDF is published.

Why headings come from styles: Word marks structure with paragraph styles ("Title", "Heading 2", or a
custom style based on one), not with characters in the text, so the styles are the only reliable way
to know where "Article 5" begins. Tables are kept row by row because annexes (quotas, schedules,
amounts) often live in them. Known limit: python-docx does not render automatic list numbering, so
"1." produced by Word numbering is not in the text. Core properties' created/modified dates are when
the file was saved, not when the agreement was signed, so they are ignored. python-docx only ever sees
the package as `package.checked_package` rebuilt it, within the budgets. A document with no body text
is `NoText`, not empty: its text may sit in text boxes or footnotes, which python-docx does not read.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.loaders import budgets
from ingest.loaders.base import LoadError, NoText, TooLarge, library_diagnostics, read_bytes, short_reason
from ingest.loaders.dates import find_date_in_text
from ingest.loaders.normalize import clean_field, heading_text, join_blocks
from ingest.loaders.package import checked_package
from ingest.models import LoadedDocument

Block = tuple[str, int | None]

_HEADING_STYLE = re.compile(r"heading ([1-9])", re.IGNORECASE)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # compound file: legacy .doc, or a password-protected Office file


def _heading_level(paragraph: Any) -> int | None:
    """1 for "Title"/"Heading 1", N for "Heading N", following custom styles to the style they extend."""
    style = paragraph.style
    for _ in range(10):  # base_style chains are short; the bound guards against cycles
        if style is None:
            return None
        name = style.name or ""
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.fullmatch(name)
        if match:
            return int(match.group(1))
        style = style.base_style
    return None


def _row_cells(row: Any) -> list[str]:
    """Cell texts of a row; a merged cell appears once, not once per grid column it spans."""
    texts: list[str] = []
    previous = None
    for cell in row.cells:
        if previous is not None and cell._tc is previous._tc:
            continue
        previous = cell
        texts.append(" ".join(cell.text.split()))
    return texts


def _blocks(document: Any) -> Iterator[Block]:
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            yield item.text, _heading_level(item)
        elif isinstance(item, Table):
            for row in item.rows:
                yield " | ".join(text for text in _row_cells(row) if text), None


def _open(data: bytes) -> Any:
    if data.startswith(_OLE_MAGIC):
        raise LoadError("corrupt DOCX: not a zip package (password-protected, or a legacy .doc renamed?)")
    try:
        return docx.Document(checked_package(data))
    except LoadError:
        raise
    except zipfile.BadZipFile as exc:
        raise LoadError(f"corrupt DOCX: {short_reason(exc)}") from exc
    except KeyError as exc:  # a zip without the Word parts, e.g. another format renamed to .docx
        raise LoadError(f"corrupt DOCX: missing part {short_reason(exc)}") from exc
    except Exception as exc:  # python-docx/lxml raise many types for damaged XML
        raise LoadError(f"corrupt DOCX: {short_reason(exc)}") from exc


def load_docx(path: Path) -> LoadedDocument:
    """Load a `.docx`: body paragraphs and tables in order, headings from paragraph styles."""
    data = read_bytes(path, budgets.MAX_DOCX_BYTES)
    warnings: list[str] = []
    with library_diagnostics(warnings):
        document = _open(data)
        try:
            text, headings = join_blocks(_blocks(document))
            core_title = clean_field(document.core_properties.title)
        except Exception as exc:
            raise LoadError(f"corrupt DOCX: {short_reason(exc)}") from exc
    if len(text) > budgets.MAX_TEXT_CHARS:
        raise TooLarge(f"too much text: {len(text):,} characters, over the {budgets.MAX_TEXT_CHARS:,} budget")
    if not text:
        raise NoText("no text in the document body")
    title = core_title
    if title is None and headings:  # the first Title/Heading paragraph, whatever its level
        title = heading_text(text, min(headings)) or None
    return LoadedDocument(
        text=text,
        format="docx",
        title=title,
        date=find_date_in_text(text),
        headings=headings,
        warnings=tuple(warnings),
    )
