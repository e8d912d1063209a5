from __future__ import annotations

import pytest

from ingest.loaders.normalize import (
    clean_field,
    heading_text,
    join_blocks,
    normalize_text,
    title_from_headings,
)

MESSY = "\ufeffCafe\u0301 \t\r\nline two\u00a0here   \r\rthird\x00\x07 line\n\n\n\n\nlast\t \n  "


def test_normalize_text_applies_every_rule() -> None:
    assert normalize_text(MESSY) == "\ufeffCafé\nline two here\n\nthird line\n\nlast"


@pytest.mark.parametrize(
    "raw",
    [MESSY, "", "   \n\n  ", "a\r\n\r\n\r\n\r\nb", "x\u202fy\u2007z", "tab\tkept\n\x85", "é" * 3],
)
def test_normalize_text_properties(raw: str) -> None:
    text = normalize_text(raw)
    assert normalize_text(text) == text  # idempotent
    assert "\r" not in text and "\x00" not in text and "\u00a0" not in text
    assert "\n\n\n" not in text
    assert text == text.strip()
    assert all(line == line.rstrip(" \t") for line in text.split("\n"))


def test_tabs_and_single_newlines_survive() -> None:
    assert normalize_text("a\tb\nc") == "a\tb\nc"


def test_join_blocks_offsets_point_into_the_normalized_text() -> None:
    text, headings = join_blocks([("  Title ", 1), ("", None), ("para\r\none", None), ("Sub\u00a0head", 2)])
    assert text == "Title\n\npara\none\n\nSub head"
    assert normalize_text(text) == text
    assert headings == {0: 1, text.index("Sub head"): 2}


def test_heading_text_strips_markdown_marks() -> None:
    text = "## Article 5 — Minimum Flow ##\nbody"
    assert heading_text(text, 0) == "Article 5 — Minimum Flow"


def test_title_from_headings_prefers_level_one_else_opening_heading() -> None:
    text = "## Preamble\n\n# Main\n\nbody"
    assert title_from_headings(text, {0: 2, 13: 1}) == "Main"
    assert title_from_headings(text, {0: 2}) == "Preamble"
    assert title_from_headings("intro\n\n## Later", {7: 2}) is None


def test_clean_field() -> None:
    assert clean_field("  A\n  title\u00a0x ") == "A title x"
    assert clean_field("   ") is None
    assert clean_field(None) is None
    assert clean_field(2024) == "2024"
