from ingest.structure import classify, heading_paths, paragraphs

TREATY = """CHAPTER SIX: Energy

ARTICLE 605: Other Export Measures

1. A Party may adopt a restriction only if the conditions are met.

a) the restriction does not reduce the proportion.

Article 606 - Energy Regulatory Measures

The Parties recognize that energy regulatory measures are subject to disciplines."""


def test_paragraph_spans_are_trimmed_blocks() -> None:
    text = "  First block\nstill first.\n\n\n Second.  \n\n"
    spans = list(paragraphs(text))
    assert [text[s:e] for s, e in spans] == ["First block\nstill first.", "Second."]


def test_legal_divisions_nest_into_heading_paths() -> None:
    paragraph_list = classify(TREATY, {})
    paths = heading_paths(paragraph_list)
    body = {TREATY[p.start : p.end][:12]: path for p, path in zip(paragraph_list, paths, strict=True)}
    assert body["1. A Party m"] == "CHAPTER SIX: Energy > ARTICLE 605: Other Export Measures"
    assert body["a) the restr"] == "CHAPTER SIX: Energy > ARTICLE 605: Other Export Measures"
    assert body["The Parties "] == "CHAPTER SIX: Energy > Article 606 - Energy Regulatory Measures"


def test_list_items_and_sentences_are_not_headings() -> None:
    levels = [
        p.heading_level for p in classify("a) Short item\n\nA sentence ends here.\n\nIn general, yes", {})
    ]
    assert levels == [None, None, None]


def test_short_title_lines_and_markdown_are_headings() -> None:
    text = "# Joint Statement\n\nDemocracy Delivers\n\nWe commit to it."
    paragraph_list = classify(text, {})
    assert [p.heading_label for p in paragraph_list] == ["Joint Statement", "Democracy Delivers", None]
    assert heading_paths(paragraph_list)[-1] == "Joint Statement > Democracy Delivers"


def test_explicit_heading_levels_from_loaders_win() -> None:
    text = "Scope of cooperation.\n\nBody text."
    paragraph_list = classify(text, {0: 2})
    assert paragraph_list[0].heading_level == 2
    assert paragraph_list[0].heading_label == "Scope of cooperation."
