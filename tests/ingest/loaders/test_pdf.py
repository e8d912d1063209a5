from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.errors import DependencyError

from ingest.loaders import LoadError, NoText, load_document
from ingest.loaders.normalize import normalize_text
from tests.ingest.loaders.conftest import PdfFactory

PAGE_1 = "Treaty on the Northwater Basin\nDone at Port Ellery on 8 November 2023.\nArticle 1 applies."
PAGE_3 = "Article 5 - Minimum Flow\nThe Parties shall maintain a minimum flow of 42 cubic metres per second."


def test_pages_have_exact_spans(make_pdf: PdfFactory) -> None:
    doc = load_document(make_pdf([PAGE_1, "", PAGE_3], title="  Northwater Treaty "))
    assert doc.format == "pdf"
    assert doc.title == "Northwater Treaty"
    assert doc.date == "2023-11-08"  # from the text; never /CreationDate
    assert [span.page for span in doc.pages] == [1, 3]  # the blank page gets no span
    first, third = doc.pages
    assert doc.text[first.start : first.end] == normalize_text(PAGE_1)
    assert doc.text[third.start : third.end] == normalize_text(PAGE_3)
    assert doc.text == doc.text[first.start : first.end] + "\n\n" + doc.text[third.start : third.end]
    assert normalize_text(doc.text) == doc.text
    assert doc.warnings == ("no text on page(s) 2 (scanned or blank)",)


def test_without_title_metadata(make_pdf: PdfFactory) -> None:
    doc = load_document(make_pdf(["Just one page of text."]))
    assert doc.title is None and doc.date is None
    assert doc.pages[0].start == 0 and doc.pages[0].end == len(doc.text)
    assert doc.warnings == ()


def test_encrypted_pdf(make_pdf: PdfFactory) -> None:
    with pytest.raises(LoadError, match=r"^encrypted PDF$"):
        load_document(make_pdf([PAGE_1], user_password="secret"))


def test_encrypted_with_empty_user_password_opens(make_pdf: PdfFactory) -> None:
    doc = load_document(make_pdf([PAGE_1], user_password=""))
    assert "Northwater" in doc.text


def test_aes_pdf_without_the_crypto_package(make_pdf: PdfFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    def needs_cryptography(self: PdfReader, password: str) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_cryptography)
    with pytest.raises(
        LoadError, match=r"^encrypted PDF \(cryptography>=3.1 is required for AES algorithm\)$"
    ):
        load_document(make_pdf([PAGE_1], user_password=""))


def test_scanned_pdf_without_text(make_pdf: PdfFactory) -> None:
    with pytest.raises(NoText, match=r"^no extractable text \(scanned PDF\? OCR is not supported\)$"):
        load_document(make_pdf(["", ""]))


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf(make_pdf: PdfFactory, cut: float) -> None:
    path = make_pdf([PAGE_1, PAGE_3])
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(LoadError, match=r"^corrupt PDF: "):
        load_document(path)


@pytest.mark.parametrize("content", [b"%PDF-1.7\nnot really a pdf", b"hello"])
def test_garbage_pdf(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.PDF"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=r"^corrupt PDF: "):
        load_document(path)
