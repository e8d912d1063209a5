"""Find the headings and sections of a document so chunks follow its structure.

Agreement texts mark structure in plain text ("CHAPTER SIX: Energy", "ARTICLE 605: Other Export
Measures", or a short title line in a joint statement) far more often than with markup, so besides the
headings a loader reports (Markdown `#`, Word heading styles, HTML <h*>) a paragraph is a heading when it
looks like one: a legal division keyword, or a short line without closing punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# Division keyword, a number (digits, roman or spelled out), optional title after it.
_DIVISION = re.compile(
    r"^(?P<kw>part|chapter|title|annex|appendix|schedule|section|article)\s+"
    r"(?P<num>[0-9]+(?:[.\-][0-9A-Za-z]+)*|[IVXLC]+|[A-Za-z]+(?:[\s-][A-Za-z]+)?)\b(?P<rest>.*)$",
    re.IGNORECASE,
)
_DIVISION_LEVEL = {"part": 1, "title": 1, "annex": 1, "appendix": 1, "schedule": 1, "chapter": 2}
_SECTION_LEVEL = 3
_ARTICLE_LEVEL = 4
_PLAIN_HEADING_LEVEL = 3
_MAX_HEADING_WORDS = 14
_MAX_HEADING_CHARS = 120


@dataclass(frozen=True, slots=True)
class Paragraph:
    start: int
    end: int
    heading_level: int | None = None
    heading_label: str | None = None


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the blocks between blank lines, without surrounding whitespace."""
    position = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        yield from _trimmed(text, position, match.start())
        position = match.end()
    yield from _trimmed(text, position, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def classify(text: str, explicit: Mapping[int, int]) -> list[Paragraph]:
    """Every paragraph, with a heading level and label when it is a heading."""
    result: list[Paragraph] = []
    for start, end in paragraphs(text):
        block = text[start:end]
        level = explicit.get(start)
        label: str | None = None
        markdown = _MARKDOWN_HEADING.match(block) if "\n" not in block else None
        if markdown:
            level = level or len(markdown.group(1))
            label = markdown.group(2)
        elif level is not None:
            label = block
        else:
            level, label = _detect_heading(block)
        if label is not None:
            label = " ".join(label.split())
        result.append(Paragraph(start, end, level, label))
    return result


def _detect_heading(block: str) -> tuple[int | None, str | None]:
    if "\n" in block or len(block) > _MAX_HEADING_CHARS or len(block.split()) > _MAX_HEADING_WORDS:
        return None, None
    division = _DIVISION.match(block)
    if division and _looks_like_division_title(division.group("rest")):
        keyword = division.group("kw").lower()
        if keyword == "article":
            return _ARTICLE_LEVEL, block
        if keyword == "section":
            return _SECTION_LEVEL, block
        return _DIVISION_LEVEL[keyword], block
    if block[-1] in ".,;:!?" or not block[0].isupper():
        return None, None
    if re.match(r"^[(\[]?[0-9a-zA-Z]{1,3}[.)\]]\s", block):  # "1. Text", "a) text": a list item
        return None, None
    long_words = [word for word in re.findall(r"[A-Za-z]+", block) if len(word) > 3]
    if long_words and sum(word[0].isupper() for word in long_words) * 2 < len(long_words):
        return None, None  # mostly lower-case words: a fragment of prose, not a title
    return _PLAIN_HEADING_LEVEL, block


def _looks_like_division_title(rest: str) -> bool:
    """After "Article 12" only a title may follow ("Article 12: Scope", "Article 12 - Scope")."""
    rest = rest.strip()
    return not rest or rest[0] in ":.-–—(" or rest[0].isupper()


def heading_paths(paragraph_list: list[Paragraph]) -> list[str | None]:
    """For each paragraph, the path of headings above it ("Chapter Six > Article 605")."""
    stack: list[tuple[int, str]] = []
    paths: list[str | None] = []
    for paragraph in paragraph_list:
        if paragraph.heading_level is not None and paragraph.heading_label is not None:
            while stack and stack[-1][0] >= paragraph.heading_level:
                stack.pop()
            stack.append((paragraph.heading_level, paragraph.heading_label))
        paths.append(" > ".join(label for _, label in stack) if stack else None)
    return paths
