from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.loaders import SUPPORTED_SUFFIXES, EmptyDocument, LoadError, load_document


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == frozenset({".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"})


def test_dispatch_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "NOTES.MARKDOWN"
    path.write_text("# Upper\n\nText.", encoding="utf-8")
    assert load_document(path).format == "markdown"


@pytest.mark.parametrize(
    ("name", "reason"),
    [("image.png", "unsupported format '.png'"), ("Makefile", "unsupported format (no file extension)")],
)
def test_unsupported_format(tmp_path: Path, name: str, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"data")
    with pytest.raises(LoadError) as caught:
        load_document(path)
    assert str(caught.value) == reason


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"^unreadable: No such file or directory$"):
        load_document(tmp_path / "gone.pdf")
    folder = tmp_path / "folder.md"
    folder.mkdir()
    with pytest.raises(LoadError, match=r"^unreadable: Is a directory$"):
        load_document(folder)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.md"
    path.write_text("text", encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop reading")
        with pytest.raises(LoadError, match=r"^unreadable: Permission denied$"):
            load_document(path)
    finally:
        path.chmod(0o600)


@pytest.mark.parametrize("name", ["a.md", "a.html", "a.pdf", "a.docx"])
def test_permission_error_is_reported_for_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    def deny(path: object, *args: object) -> int:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(LoadError, match=r"^unreadable: Permission denied$"):
        load_document(tmp_path / name)


def test_unexpected_library_errors_become_load_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.loaders as loaders

    def explode(path: Path) -> None:
        raise RuntimeError("library bug\nwith a second line")

    monkeypatch.setitem(loaders._LOADERS, ".md", explode)
    with pytest.raises(LoadError, match=r"^cannot parse MD: library bug with a second line$"):
        load_document(tmp_path / "x.md")


def test_zero_byte_file_is_empty_not_corrupt(tmp_path: Path) -> None:
    for name in ("empty.pdf", "empty.docx", "empty.html"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(EmptyDocument, match=r"^empty: no text$"):
            load_document(tmp_path / name)
