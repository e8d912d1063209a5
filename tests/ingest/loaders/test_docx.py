from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ingest.loaders import LoadError, NoText, load_document
from ingest.loaders.normalize import normalize_text
from tests.ingest.loaders.conftest import DocxFactory

ITEMS = [
    ("Title", "Memorandum on Fisheries"),
    ("Normal", "Signed at Port Ellery on 2 October 2024."),
    ("Heading 1", "Catch Limits"),
    ("Normal", "The limits for 2025 are:"),
    ("table", [["Species", "Tonnes"], ["Herring", "48,000"]]),
    ("Heading 2", "Review"),
    ("Normal", "   "),
    ("Normal", "Limits are reviewed yearly."),
]


def test_paragraphs_tables_and_headings(make_docx: DocxFactory) -> None:
    doc = load_document(make_docx(ITEMS))
    assert doc.format == "docx"
    assert doc.text == (
        "Memorandum on Fisheries\n\nSigned at Port Ellery on 2 October 2024.\n\nCatch Limits\n\n"
        "The limits for 2025 are:\n\nSpecies | Tonnes\n\nHerring | 48,000\n\n"
        "Review\n\nLimits are reviewed yearly."
    )
    assert doc.headings == {0: 1, doc.text.index("Catch Limits"): 1, doc.text.index("Review"): 2}
    assert doc.title == "Memorandum on Fisheries"
    assert doc.date == "2024-10-02"
    assert normalize_text(doc.text) == doc.text
    assert doc.warnings == ()


def test_core_property_title_wins(make_docx: DocxFactory) -> None:
    doc = load_document(make_docx(ITEMS, core_title="MoU Aldermere–Tessaly"))
    assert doc.title == "MoU Aldermere–Tessaly"


def test_title_from_first_heading_of_any_level(make_docx: DocxFactory) -> None:
    doc = load_document(make_docx([("Normal", "Intro text."), ("Heading 3", "Annex A"), ("Normal", "Body.")]))
    assert doc.title == "Annex A"
    assert doc.date is None  # the template's created/modified dates are not the document's date


def test_no_headings_no_title(make_docx: DocxFactory) -> None:
    doc = load_document(make_docx([("Normal", "Only a paragraph.")]))
    assert doc.title is None and doc.headings == {}


def test_merged_cells_appear_once(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Wide"
    table.cell(0, 2).text = "Right"
    for column, value in enumerate(["a", "b", "c"]):
        table.cell(1, column).text = value
    path = tmp_path / "merged.docx"
    document.save(str(path))
    assert load_document(path).text == "Wide | Right\n\na | b | c"


def test_docx_without_body_text_is_no_text_not_empty(make_docx: DocxFactory) -> None:
    with pytest.raises(NoText, match=r"^no text in the document body$"):
        load_document(make_docx([("Normal", "  ")]))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is not a zip", "corrupt DOCX: File is not a zip file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "corrupt DOCX: not a zip package"),
    ],
)
def test_corrupt_docx(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    with pytest.raises(LoadError) as caught:
        load_document(path)
    assert str(caught.value).startswith(reason)


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(LoadError, match=r"^corrupt DOCX: "):
        load_document(path)
