"""Builders for binary fixtures (PDF, DOCX) written to `tmp_path`, so no test file is committed."""

from __future__ import annotations

import io
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

PdfFactory = Callable[..., Path]
DocxFactory = Callable[..., Path]


def pdf_bytes(pages: Sequence[str], title: str | None = None) -> bytes:
    """A PDF with one page per string; an empty string makes a page with a drawing but no text."""
    pdf = FPDF()
    if title is not None:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for page in pages:
        pdf.add_page()
        if page:
            pdf.multi_cell(0, 6, page)
        else:
            pdf.rect(20, 20, 100, 60, style="F")  # like a scanned image: ink, no text layer
    return bytes(pdf.output())


@pytest.fixture
def make_pdf(tmp_path: Path) -> PdfFactory:
    def make(
        pages: Sequence[str],
        *,
        title: str | None = None,
        name: str = "doc.pdf",
        user_password: str | None = None,
    ) -> Path:
        data = pdf_bytes(pages, title)
        if user_password is not None:
            writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
            # RC4 works without the optional 'cryptography' package (AES needs it).
            writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
            out = io.BytesIO()
            writer.write(out)
            data = out.getvalue()
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return make


@pytest.fixture
def make_docx(tmp_path: Path) -> DocxFactory:
    """`make_docx([("Heading 1", "text"), ("table", [["a", "b"]]), ...], core_title=...)`."""

    def make(
        items: Sequence[tuple[str, Any]], *, core_title: str | None = None, name: str = "doc.docx"
    ) -> Path:
        document = docx.Document()
        if core_title is not None:
            document.core_properties.title = core_title
        for style, content in items:
            if style == "table":
                table = document.add_table(rows=len(content), cols=len(content[0]))
                for row, values in zip(table.rows, content, strict=True):
                    for cell, value in zip(row.cells, values, strict=True):
                        cell.text = value
            else:
                document.add_paragraph(content, style=style)
        path = tmp_path / name
        document.save(str(path))
        return path

    return make


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to resolve a host or open a connection."""

    def refuse(*args: object, **kwargs: object) -> Any:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
