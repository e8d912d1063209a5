"""DOCX zip packages are checked against the budgets before python-docx inflates anything."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ingest.loaders import LoadError, TooLarge, budgets, load_document
from tests.ingest.loaders.conftest import DocxFactory
from tests.ingest.loaders.hostile import docx_bomb, load_in_subprocess

# Before the budgets, python-docx read the whole part: at least this much, twice over, in memory.
BOMB = 256 * budgets.MIB


def test_a_decompression_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    path = docx_bomb(tmp_path / "bomb.docx", BOMB)
    assert path.stat().st_size < 2 * budgets.MIB
    outcome = load_in_subprocess(path)
    assert outcome["error"] == "TooLarge"
    assert outcome["reason"].startswith("zip bomb? part 'word/document.xml' inflates ")
    assert " MiB from " in outcome["reason"] and outcome["reason"].endswith("over the 100:1 budget")
    assert outcome["growth_mb"] < 150


def test_a_part_understating_its_size_is_inflated_only_up_to_the_budget(tmp_path: Path) -> None:
    # The directory says 1,000 bytes with a matching CRC; zipfile.read() would still inflate it all.
    path = docx_bomb(tmp_path / "liar.docx", BOMB, understate=True)
    outcome = load_in_subprocess(path)
    assert outcome["error"] == "LoadError" and outcome["reason"].startswith("corrupt DOCX: ")
    assert outcome["growth_mb"] < 150


def test_too_many_parts(make_docx: DocxFactory) -> None:
    path = make_docx([("Normal", "Text.")])
    with zipfile.ZipFile(path, "a") as package:
        for n in range(budgets.MAX_DOCX_PARTS):
            package.writestr(f"customXml/extra{n}.xml", b"<x/>")
    with pytest.raises(TooLarge) as caught:
        load_document(path)
    assert str(caught.value).startswith("too many parts: 2,0") and "over the 2,000 budget" in str(
        caught.value
    )


def test_total_inflated_size_over_budget(make_docx: DocxFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budgets, "MAX_DOCX_INFLATED_BYTES", 100 * budgets.KIB)
    with pytest.raises(TooLarge, match=r"^too large: the parts inflate to .* KiB, over the 100 KiB budget$"):
        load_document(make_docx([("Normal", "Text.")]))


def test_one_part_over_budget(make_docx: DocxFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budgets, "MAX_DOCX_PART_BYTES", 100 * budgets.KIB)
    with pytest.raises(
        TooLarge, match=r"^too large: part 'word/styles.xml' inflates to .*, over the 100 KiB"
    ):
        load_document(make_docx([("Normal", "Text.")]))


def test_the_file_itself_over_budget(make_docx: DocxFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budgets, "MAX_DOCX_BYTES", 10 * budgets.KIB)
    with pytest.raises(TooLarge, match=r"^too large: .* KiB, over the 10 KiB budget for this format$"):
        load_document(make_docx([("Normal", "Text.")]))


def test_compression_methods_word_never_writes_are_refused(make_docx: DocxFactory, tmp_path: Path) -> None:
    # zipfile inflates bzip2/LZMA a whole block at a time, beyond any read size we ask for.
    source = make_docx([("Normal", "Text.")])
    path = tmp_path / "bz2.docx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as repacked:
        for info in original.infolist():
            repacked.writestr(info.filename, original.read(info))
    with pytest.raises(LoadError, match=r"^corrupt DOCX: part '.*' uses zip method 12, not deflate$"):
        load_document(path)


def test_a_rebuilt_package_reads_like_the_original(make_docx: DocxFactory) -> None:
    doc = load_document(make_docx([("Title", "Budgeted"), ("Normal", "Still read in full.")]))
    assert doc.text == "Budgeted\n\nStill read in full." and doc.title == "Budgeted"
