import pytest

from harness import HashingEmbedder
from ingest.chunking import Chunker, ChunkingConfig
from ingest.models import LoadedDocument, PageSpan

LONG_ARTICLE = "ARTICLE 7: Cooperation\n\n" + "\n\n".join(
    f"{n}. The Parties shall cooperate on matter number {n}, including customs, standards and energy. "
    "They shall report annually."
    for n in range(1, 30)
)


def make_chunker(max_tokens: int = 60, window: int = 80) -> tuple[Chunker, HashingEmbedder]:
    embedder = HashingEmbedder(max_tokens=window)
    return Chunker(embedder.count_tokens, ChunkingConfig(max_tokens=max_tokens, window=window)), embedder


def test_offsets_point_at_the_exact_passage() -> None:
    chunker, _ = make_chunker()
    doc = LoadedDocument(text=LONG_ARTICLE, format="md")
    chunks = chunker.chunk(doc, "Treaty")
    assert len(chunks) > 3
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.heading == "ARTICLE 7: Cooperation"


def test_every_embedded_text_fits_the_window() -> None:
    chunker, embedder = make_chunker(max_tokens=200, window=80)
    chunks = chunker.chunk(LoadedDocument(text=LONG_ARTICLE, format="md"), "A rather long treaty title " * 3)
    assert all(embedder.count_tokens(c.embed_text) + 2 <= 80 for c in chunks)


def test_chunks_follow_headings_and_never_span_two_sections() -> None:
    chunker, _ = make_chunker(max_tokens=200, window=256)
    text = "Trade\n\nWe will trade more.\n\nEnergy\n\nWe will build pipelines. Soon."
    chunks = chunker.chunk(LoadedDocument(text=text, format="md"), "Statement")
    assert [(c.heading, c.text) for c in chunks] == [
        ("Trade", "Trade\n\nWe will trade more."),
        ("Energy", "Energy\n\nWe will build pipelines. Soon."),
    ]
    assert chunks[0].embed_text == "Statement — Trade\nTrade\n\nWe will trade more."
    second = chunks[1]
    assert [second.text[a:b] for a, b in second.sentences] == ["Energy", "We will build pipelines.", "Soon."]
    assert second.embed_text[second.text_offset :] == second.text


def test_pdf_chunks_carry_their_page() -> None:
    chunker, _ = make_chunker(max_tokens=200, window=256)
    first, second = "Page one says this.", "Page two says that."
    text = f"{first}\n\n{second}"
    pages = (PageSpan(1, 0, len(first)), PageSpan(2, len(first) + 2, len(text)))
    chunks = chunker.chunk(LoadedDocument(text=text, format="pdf", pages=pages), "Doc")
    assert [(c.page, c.text) for c in chunks] == [(1, first), (2, second)]


def test_document_of_headings_only_still_yields_passages() -> None:
    chunker, _ = make_chunker()
    chunks = chunker.chunk(LoadedDocument(text="Hello World", format="txt"), "Hello")
    assert [c.text for c in chunks] == ["Hello World"]


@pytest.mark.parametrize("word", ["x" * 3000, "supercalifragilistic" * 200])
def test_a_giant_token_is_cut_rather_than_truncated(word: str) -> None:
    chunker, embedder = make_chunker()
    text = f"Intro sentence. {word} end."
    chunks = chunker.chunk(LoadedDocument(text=text, format="txt"), "T")
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert all(embedder.count_tokens(c.embed_text) + 2 <= 80 for c in chunks)
