"""Cut a document into passages that follow its structure and fit the embedding window.

Sections (text under one heading path, within one PDF page) are split by LangChain's recursive
splitter, paragraphs first, then lines, then sentences, then words, measuring length in the model's
own word pieces. Each passage is located back in the document text so that
`text[chunk.start:chunk.end] == chunk.text` always holds; a citation opens exactly that span.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.models import Chunk, LoadedDocument, PageSpan
from ingest.sentences import sentence_spans
from ingest.structure import Paragraph, classify, heading_paths

# Bump when chunking changes: it is part of every document's content hash, so a re-ingest re-chunks.
CHUNKER_VERSION = "4"
_SEPARATORS = ["\n\n", "\n", r"(?<=[.!?;])\s+", r"(?<=[,:])\s+", r"\s+", ""]
_SPECIAL_TOKENS = 2  # [CLS] and [SEP]
_MAX_PREFIX_CHARS = 160


@dataclass(frozen=True, slots=True)
class ChunkingConfig:
    max_tokens: int  # passage word pieces
    window: int  # the model's window, special tokens included


class Chunker:
    def __init__(self, count_tokens: Callable[[str], int], config: ChunkingConfig) -> None:
        self._count_tokens = count_tokens
        self._config = config
        self._counts: dict[str, int] = {}

    def _count(self, text: str) -> int:
        """Token count, memoised per document, skipping the tokenizer for texts surely over the window.

        The splitter asks for the same pieces many times and tokenizing whole sections dominated
        chunking time. Every whitespace-separated word is at least one word piece, so a text with more
        words than the window holds tokens is too long whatever its exact count.
        """
        cached = self._counts.get(text)
        if cached is None:
            words = len(text.split())
            cached = words if words > self._config.window else self._count_tokens(text)
            self._counts[text] = cached
        return cached

    def chunk(self, doc: LoadedDocument, title: str) -> list[Chunk]:
        self._counts.clear()
        text = doc.text
        paragraph_list = classify(text, doc.headings)
        if all(paragraph.heading_level is not None for paragraph in paragraph_list):
            # Nothing but title-like lines (a one-line note): keep them as text rather than lose them.
            paragraph_list = [Paragraph(p.start, p.end) for p in paragraph_list]
        paths = heading_paths(paragraph_list)
        chunks: list[Chunk] = []
        for heading, page, start, end in _sections(paragraph_list, paths, doc.pages):
            prefix = embed_prefix(title, heading)
            budget = min(self._config.max_tokens, self._config.window - _SPECIAL_TOKENS - self._count(prefix))
            for piece_start, piece_end in self._split(text, start, end, max(budget, 16)):
                piece = text[piece_start:piece_end]
                chunks.append(
                    Chunk(
                        seq=len(chunks),
                        text=piece,
                        start=piece_start,
                        end=piece_end,
                        heading=heading,
                        page=page,
                        embed_text=f"{prefix}\n{piece}",
                        sentences=tuple(sentence_spans(piece)),
                    )
                )
        return chunks

    def _split(self, text: str, start: int, end: int, budget: int) -> Iterator[tuple[int, int]]:
        section = text[start:end]
        if self._count(section) <= budget:
            yield start, end
            return
        splitter = RecursiveCharacterTextSplitter(
            separators=_SEPARATORS,
            is_separator_regex=True,
            keep_separator=True,
            chunk_size=budget,
            chunk_overlap=0,
            length_function=self._count,
            strip_whitespace=True,
        )
        cursor = 0
        for piece in splitter.split_text(section):
            found = section.find(piece, cursor)
            if found < 0:  # never expected: the splitter only cuts and strips
                raise ValueError("splitter produced text that is not in the document")
            cursor = found + len(piece)
            yield start + found, start + cursor


def embed_prefix(title: str, heading: str | None) -> str:
    """What the model sees before a passage: the title and heading path give it context."""
    prefix = f"{title} — {heading}" if heading else title
    return prefix[:_MAX_PREFIX_CHARS]


def _sections(
    paragraph_list: list[Paragraph], paths: list[str | None], pages: tuple[PageSpan, ...]
) -> Iterator[tuple[str | None, int | None, int, int]]:
    """Runs of body paragraphs sharing a heading path and a page: (heading, page, start, end).

    A run starts at the heading lines right above it, so the first passage of "ARTICLE 12.9:
    Paperless Trading" quotes its title too (the answer to "what does Article 12.9 cover?").
    """
    page_starts = [span.start for span in pages]
    current: tuple[str | None, int | None] | None = None
    run_start = run_end = 0
    headings_start: int | None = None
    for paragraph, path in zip(paragraph_list, paths, strict=True):
        page = _page_of(paragraph.start, pages, page_starts)
        if paragraph.heading_level is not None:
            if current is not None:
                yield (*current, run_start, run_end)
                current = None
            if headings_start is None or _page_of(headings_start, pages, page_starts) != page:
                headings_start = paragraph.start
            continue
        key = (path, page)
        if key != current:
            if current is not None:
                yield (*current, run_start, run_end)
            current, run_start = key, paragraph.start if headings_start is None else headings_start
        headings_start = None
        run_end = paragraph.end
    if current is not None:
        yield (*current, run_start, run_end)


def _page_of(offset: int, pages: tuple[PageSpan, ...], page_starts: list[int]) -> int | None:
    if not pages:
        return None
    index = bisect.bisect_right(page_starts, offset) - 1
    return pages[max(index, 0)].page
