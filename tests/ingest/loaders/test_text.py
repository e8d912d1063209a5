from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import EmptyDocument, LoadError, load_document
from ingest.loaders.normalize import normalize_text
from ingest.loaders.text import markdown_headings


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "statement.md",
        "---\r\ntitle: The Statement\r\ndate: 2024-05-23\r\nurl: https://example.org/s\r\n"
        "kind: joint-statement\r\nparties: [A, B]\r\nid: s-1\r\nlanguage: en\r\n---\r\n\r\n"
        "# Heading One\r\n\r\nText   \r\n\r\n\r\n\r\n## Two\r\nMore",
    )
    doc = load_document(path)
    assert doc.format == "markdown"
    assert doc.text == "# Heading One\n\nText\n\n## Two\nMore"
    assert (doc.title, doc.date, doc.url, doc.kind) == (
        "The Statement",
        "2024-05-23",
        "https://example.org/s",
        "joint-statement",
    )
    assert doc.parties == ("A", "B")
    assert doc.doc_id == "s-1"
    assert doc.extra == {"language": "en"}
    assert doc.headings == {0: 1, doc.text.index("## Two"): 2}
    assert doc.warnings == ()


def test_heading_offsets_point_at_heading_lines(tmp_path: Path) -> None:
    text = "Intro\n\n# Title\n\n### Article 5 — Flow\n1. Text\n\n"
    text += "```\n# not a heading\n```\n\n#hashtag\n\n######\n"
    doc = load_document(write(tmp_path, "a.md", text))
    lines = {offset: doc.text[offset:].split("\n", 1)[0] for offset in doc.headings}
    assert lines == {
        doc.text.index("# Title"): "# Title",
        doc.text.index("### Article"): "### Article 5 — Flow",
    }
    assert doc.headings[doc.text.index("### Article")] == 3
    assert doc.title == "Title"


def test_markdown_headings_helper() -> None:
    assert markdown_headings("# A\ntext\n## B") == {0: 1, 9: 2}


def test_title_falls_back_to_first_heading_and_date_to_the_text(tmp_path: Path) -> None:
    doc = load_document(
        write(tmp_path, "b.md", "# Communiqué\n\nBrenholt, 9 October 2024\n\nThe Council met.")
    )
    assert doc.title == "Communiqué"
    assert doc.date == "2024-10-09"
    assert doc.url is None and doc.kind is None and doc.parties == ()


def test_no_title_and_no_date(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "notes.txt", "Plain notes without any heading.\nMeeting in 2024."))
    assert doc.format == "text"
    assert doc.title is None and doc.date is None


def test_unreadable_front_matter_date_is_not_replaced_by_a_guess(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "c.md", "---\ndate: soon\n---\nSigned on 1 June 2024."))
    assert doc.date is None
    assert any("unrecognised date" in w for w in doc.warnings)


def test_malformed_front_matter_is_ingested_with_defaults(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "d.md", "---\ntitle: [unclosed\n---\n# Real Title\n\nBody."))
    assert doc.text == "# Real Title\n\nBody."
    assert doc.title == "Real Title"
    assert doc.warnings[0].startswith("malformed front matter (ingested with defaults)")


def test_text_is_normalized(tmp_path: Path) -> None:
    raw = "\ufeffA\u00a0b \r\nc\x00d\x0c\n\n\n\ne\u0301"
    doc = load_document(write(tmp_path, "e.md", raw.encode("utf-8")))
    assert doc.text == "A b\ncd\n\né"
    assert normalize_text(doc.text) == doc.text


def test_cp1252_file_is_detected_and_reported(tmp_path: Path) -> None:
    text = (
        "Déclaration commune du ministère des Affaires étrangères — « coopération » sur l’énergie, "
        "signée à Genève le 3 février 2024. Les parties s’engagent à réduire les émissions. "
        "Garçon, naïve, Noël."
    )
    doc = load_document(write(tmp_path, "fr.txt", text.encode("cp1252")))
    assert doc.text == text
    assert doc.warnings == ("decoded as cp1252 (not UTF-8)",)


def test_utf16_with_bom_is_not_mistaken_for_binary(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "u16.txt", "Hello – world".encode("utf-16")))
    assert doc.text == "Hello – world"
    assert doc.warnings == ("decoded as utf-16 (not UTF-8)",)


def test_binary_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"^binary file \(NUL bytes\)$"):
        load_document(write(tmp_path, "x.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))


@pytest.mark.parametrize("content", ["", "   \n\n\t\n", "---\ntitle: Only metadata\n---\n\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    with pytest.raises(EmptyDocument, match=r"^empty: no text$"):
        load_document(write(tmp_path, "empty.md", content))
