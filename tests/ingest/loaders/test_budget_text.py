"""Markdown front matter and HTML pages are read under the budgets; hostile ones fail with a clear reason."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.loaders import LoadError, TooLarge, budgets, load_document
from tests.ingest.loaders.hostile import alias_bomb


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_yaml_alias_bomb_is_refused_without_expanding_it(tmp_path: Path) -> None:
    # 10**7 values from 0.4 KB: 7 s and 400 MB to load, and 58 MB of metadata stored, before.
    path = write(tmp_path, "bomb.md", alias_bomb())
    began = time.monotonic()
    with pytest.raises(LoadError) as caught:
        load_document(path)
    assert time.monotonic() - began < 1
    assert str(caught.value) == "front matter uses a YAML alias (*a0, line 3): aliases are refused"


def test_an_undefined_alias_is_still_only_malformed_front_matter(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "draft.md", "---\ntitle: *draft\n---\n\nBody text.\n"))
    assert doc.text == "Body text."
    assert doc.warnings == (
        "malformed front matter (ingested with defaults): found undefined alias 'draft' (line 2)",
    )


def test_oversized_front_matter(tmp_path: Path) -> None:
    fields = "".join(f"key{n}: {'v' * 60}\n" for n in range(1100))  # ~ 75 KB of plain key: value lines
    with pytest.raises(TooLarge, match=r"^front matter too large: 7\d(\.\d)? KiB, over the 64 KiB budget$"):
        load_document(write(tmp_path, "big.md", f"---\n{fields}---\n\nBody.\n"))


def test_deeply_nested_front_matter(tmp_path: Path) -> None:
    nested = "[" * 50 + "]" * 50
    with pytest.raises(TooLarge, match=r"^front matter nests deeper than the 20-level budget \(line 2\)$"):
        load_document(write(tmp_path, "deep.md", f"---\nkey: {nested}\n---\n\nBody.\n"))


def test_front_matter_metadata_over_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budgets, "MAX_METADATA_BYTES", 100)
    text = f"---\ntitle: Fine\nnotes: {'n' * 200}\n---\n\nBody.\n"
    with pytest.raises(
        TooLarge, match=r"^front matter metadata too large: \d+ bytes as JSON, over the 100 bytes"
    ):
        load_document(write(tmp_path, "meta.md", text))


def test_text_file_over_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budgets, "MAX_TEXT_FILE_BYTES", 1000)
    with pytest.raises(TooLarge, match=r"^too large: 2 KiB, over the 1000 bytes budget for this format$"):
        load_document(write(tmp_path, "long.txt", "x" * 2048))


DEEP_PAGE = (
    "<html><body><p>Intro paragraph.</p>{open}Deep text.{close}<p>After the deep part.</p></body></html>"
)


def test_html_nested_beyond_the_parsers_limit_is_refused_not_truncated(tmp_path: Path) -> None:
    # libxml2 stops at 256 levels and silently drops the rest of the page ("After the deep part.").
    page = DEEP_PAGE.format(open="<div>" * 300, close="</div>" * 300)
    with pytest.raises(TooLarge) as caught:
        load_document(write(tmp_path, "deep.html", page))
    assert (
        str(caught.value) == "too deeply nested: elements nest beyond the HTML parser's limit of 255 levels"
    )


def test_html_nested_within_the_limit_is_read_whole(tmp_path: Path) -> None:
    page = DEEP_PAGE.format(open="<div>" * 100, close="</div>" * 100)
    assert "After the deep part." in load_document(write(tmp_path, "nested.html", page)).text


def test_html_text_node_over_the_parsers_limit(tmp_path: Path) -> None:
    page = f"<html><body><p>{'word ' * 2_100_000}</p></body></html>"  # 10.5 MB in one text node
    with pytest.raises(TooLarge, match=r"^over the HTML parser's limits: .*Buffer size limit exceeded$"):
        load_document(write(tmp_path, "long.html", page))


def test_deep_json_ld_costs_its_date_not_the_page(tmp_path: Path) -> None:
    ld = "[" * 100_000 + "]" * 100_000
    page = (
        f'<html><head><script type="application/ld+json">{ld}</script></head>'
        "<body><article><h1>Agreement</h1><p>The Parties agree to cooperate on energy.</p></article>"
        "</body></html>"
    )
    doc = load_document(write(tmp_path, "ld.html", page))
    assert "The Parties agree to cooperate on energy." in doc.text and doc.date is None


def test_html_over_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budgets, "MAX_HTML_BYTES", 1024)
    with pytest.raises(TooLarge, match=r"^too large: .* KiB, over the 1 KiB budget for this format$"):
        load_document(write(tmp_path, "big.html", "<p>" + "text " * 1000 + "</p>"))
