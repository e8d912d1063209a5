"""PDFs are read under a page budget and a text budget, on top of pypdf's own per-stream limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from ingest.loaders import TooLarge, budgets, load_document
from tests.ingest.loaders.conftest import PdfFactory


def test_too_many_pages(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for _ in range(budgets.MAX_PDF_PAGES):
        pdf.add_page()
    pdf.add_page()
    pdf.cell(0, 6, "The last page has the only text.")
    path = tmp_path / "pages.pdf"
    path.write_bytes(bytes(pdf.output()))
    with pytest.raises(TooLarge) as caught:
        load_document(path)
    assert str(caught.value) == "too many pages: 5,001, over the 5,000-page budget"


def test_too_much_text(make_pdf: PdfFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budgets, "MAX_TEXT_CHARS", 100)
    path = make_pdf(["First page, well under the budget.", "Second page. " * 10, "Third page."])
    with pytest.raises(TooLarge, match=r"^too much text: over the 100-character budget by page 2$"):
        load_document(path)


def test_pdf_file_over_budget(make_pdf: PdfFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budgets, "MAX_PDF_BYTES", 512)
    with pytest.raises(TooLarge, match=r"^too large: .*, over the 512 bytes budget for this format$"):
        load_document(make_pdf(["Some text."]))
