# lxml ships no type hints and the project does not depend on lxml-stubs.
# mypy: disable-error-code="import-untyped"
"""Saved web pages: keep the article, drop the navigation, cookie banners, sidebars and footers.

Why trafilatura: boilerplate removal is a hard, heuristic problem and it is a well-tested tool for it.
Why we still parse the page with lxml ourselves: trafilatura's metadata extraction calls `htmldate`, which
guesses dates from URLs, body text and copyright lines; the agreement's date must come only from what the
page declares (meta tags, JSON-LD, <time>), so `htmlmeta` reads those directly.
Why we walk trafilatura's XML instead of using its txt/markdown output: we need heading levels at exact
offsets, and plain heading text (like Word headings) rather than `#` marks inside cited passages.
Known quirk: when the main text is short (under ~250 characters) trafilatura falls back to its "baseline"
extractor, which returns everything as one paragraph without headings; the text is still right.
Nothing here touches the network: trafilatura gets an already-parsed tree and no URL.
Why a page that parses to nothing is `NoText`, not empty: only whitespace-only markup is known to be
empty; extraction finding nothing (or libxml2 stopping at its limits: elements nested 256 deep, a text
node over 10 MB, after which it silently drops the rest of the page) must not delete a stored version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

from ingest.loaders import budgets
from ingest.loaders.base import EmptyDocument, NoText, TooLarge, decode_text, library_diagnostics, read_bytes
from ingest.loaders.htmlmeta import page_metadata
from ingest.loaders.normalize import join_blocks, title_from_headings
from ingest.models import LoadedDocument

Block = tuple[str, int | None]

_HEAD_REND = re.compile(r"h([1-6])")
_WHITESPACE = re.compile(r"\s+")
_HUGE_HINT = re.compile(r",? *(?:use|try) XML_PARSE_HUGE.*", re.DOTALL)
_MARK = "\ue000"
_BOILERPLATE = "//nav|//header|//footer|//aside|//script|//style|//noscript|//form|//template|//iframe"
_BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "pre",
    "blockquote", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6",
)  # fmt: skip


def _flat(element: Any) -> str:
    """Text of an element; trafilatura's <lb/> line breaks become newlines."""
    for lb in element.iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
    return "".join(element.itertext())


def _list_lines(list_element: Any, depth: int = 0) -> Iterator[str]:
    """`- item` lines, nested lists indented below their item."""
    for item in list_element.findall("item"):
        parts = [item.text or ""]
        for child in item:
            if child.tag != "list":
                parts.append(_flat(child))
            parts.append(child.tail or "")
        yield "  " * depth + "- " + " ".join("".join(parts).split())
        for sub in item.findall("list"):
            yield from _list_lines(sub, depth + 1)


def _extracted_blocks(body: Any) -> Iterator[Block]:
    """Blocks from trafilatura's output tree (<head rend="h2">, <p>, <list>, <table>, <quote>, ...)."""
    for element in body:
        if element.tag == "head":
            match = _HEAD_REND.fullmatch(element.get("rend") or "")
            yield _flat(element), int(match.group(1)) if match else 2
        elif element.tag == "list":
            yield "\n".join(_list_lines(element)), None
        elif element.tag == "table":
            for row in element.iter("row"):
                yield " | ".join(" ".join(_flat(cell).split()) for cell in row.findall("cell")), None
        else:
            yield _flat(element), None


def _main_text_blocks(tree: Any) -> list[Block]:
    document = trafilatura.bare_extraction(
        tree,
        favor_recall=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=False,  # metadata would run htmldate's guessing; see module docstring
    )
    body = getattr(document, "body", None)
    return [] if body is None else list(_extracted_blocks(body))


def _whole_body_blocks(tree: Any) -> list[Block]:
    """Fallback when trafilatura finds no main text: all of <body> minus obvious boilerplate."""
    body = tree.find("body")
    if body is None:
        body = tree
    for element in body.xpath(_BOILERPLATE):
        element.drop_tree()
    # HTML whitespace is insignificant, so collapse it before adding our own paragraph breaks. Headings
    # get a "<MARK><level><MARK>" prefix (a private-use character: lxml rejects control characters),
    # read back when splitting into blocks; the mark is first deleted from the page so it cannot fake one.
    for element in body.iter():
        element.text = _WHITESPACE.sub(" ", element.text or "").replace(_MARK, "")
        element.tail = _WHITESPACE.sub(" ", element.tail or "").replace(_MARK, "")
    for element in body.iter(*_BLOCK_TAGS):
        marker = f"{_MARK}{element.tag[1]}{_MARK}" if _HEAD_REND.fullmatch(element.tag) else ""
        element.text = "\n\n" + marker + (element.text or "")
        element.tail = "\n\n" + (element.tail or "")
    for br in body.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks: list[Block] = []
    for chunk in body.text_content().split("\n\n"):
        lines = "\n".join(line.strip() for line in chunk.split("\n")).strip()
        if lines.startswith(_MARK):
            blocks.append((lines[3:], int(lines[1])))
        else:
            blocks.append((lines, None))
    return blocks


def _parser_limit(parser: Any) -> str | None:
    """Why libxml2 stopped reading the page early, if it did (it keeps what it read so far)."""
    for error in parser.error_log:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            if "depth" in error.message:
                return "too deeply nested: elements nest beyond the HTML parser's limit of 255 levels"
            return f"over the HTML parser's limits: {_HUGE_HINT.sub('', error.message).strip()}"
    return None


def load_html(path: Path) -> LoadedDocument:
    """Load an `.html`/`.htm` file: main text via trafilatura, title/date/URL from the page's head."""
    markup, warnings = decode_text(read_bytes(path, budgets.MAX_HTML_BYTES))
    if not markup.strip():
        raise EmptyDocument()
    try:
        # Bytes plus an explicit encoding: lxml refuses str input that carries an XML encoding declaration.
        parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
        tree = lxml.html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError) as exc:  # "Document is empty": e.g. only a comment
        raise NoText("no text found in the page") from exc
    limit = _parser_limit(parser)
    if limit:
        raise TooLarge(limit)
    meta = page_metadata(tree)
    try:
        with library_diagnostics(warnings):
            blocks = _main_text_blocks(tree)
    except Exception:  # heuristics on hostile markup may fail in odd ways; the fallback below still works
        blocks = []
    text, headings = join_blocks(blocks)
    if not text:
        text, headings = join_blocks(_whole_body_blocks(tree))
        if text:
            warnings.append("main text not detected: ingested the whole page body")
    if not text:
        raise NoText("no text found in the page")
    return LoadedDocument(
        text=text,
        format="html",
        title=meta.title or title_from_headings(text, headings),
        date=meta.date,
        url=meta.url,
        headings=headings,
        warnings=tuple(warnings),
    )
