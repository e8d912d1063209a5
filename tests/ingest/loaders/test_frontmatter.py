from __future__ import annotations

import datetime as dt
import json

from ingest.loaders.frontmatter import interpret, parse_front_matter, split_front_matter

FULL = """---
title: "Joint Statement: Aldermere and Korvath"
date: 2024-05-23
source: "http://treaties.example.org/text.pdf (copy: https://archive.example.org/x)"
kind: joint-statement
parties: Republic of Aldermere, Federal Republic of Korvath
id: ak-2024
signed: 2024-05-20
tags: [energy, trade]
nested: {when: 2024-01-02, n: 3}
---
# Heading

Body text.
"""


def test_all_fields_are_mapped_and_the_rest_goes_to_extra() -> None:
    meta, body = parse_front_matter(FULL)
    assert body == "# Heading\n\nBody text.\n"
    assert meta.title == "Joint Statement: Aldermere and Korvath"
    assert meta.date == "2024-05-23"
    assert meta.url == "http://treaties.example.org/text.pdf"
    assert meta.kind == "joint-statement"
    assert meta.parties == ("Republic of Aldermere", "Federal Republic of Korvath")
    assert meta.doc_id == "ak-2024"
    assert meta.extra == {
        "source": "http://treaties.example.org/text.pdf (copy: https://archive.example.org/x)",
        "signed": "2024-05-20",
        "tags": ["energy", "trade"],
        "nested": {"when": "2024-01-02", "n": 3},
    }
    json.dumps(meta.extra)  # JSON-serialisable
    assert meta.warnings == []


def test_url_key_wins_and_plain_url_source_is_not_duplicated_in_extra() -> None:
    meta = interpret({"url": "https://a.example.org/x", "source": "https://b.example.org/y"})
    assert meta.url == "https://a.example.org/x"
    assert meta.extra == {"source": "https://b.example.org/y"}
    assert interpret({"source": "https://b.example.org/y"}).extra == {}


def test_source_without_url_is_kept_in_extra() -> None:
    meta = interpret({"source": "Ministry press office"})
    assert meta.url is None
    assert meta.extra == {"source": "Ministry press office"}


def test_dates_as_objects_and_strings() -> None:
    assert interpret({"date": dt.date(2024, 5, 23)}).date == "2024-05-23"
    assert interpret({"date": dt.datetime(2024, 5, 23, 8, 0)}).date == "2024-05-23"
    assert interpret({"date": "May 23, 2024"}).date == "2024-05-23"
    assert interpret({"date": "23 May 2024"}).date == "2024-05-23"


def test_unparseable_date_is_none_with_a_warning() -> None:
    meta = interpret({"date": "spring 2024"})
    assert meta.date is None
    assert meta.date_unreadable
    assert any("unrecognised date 'spring 2024'" in w for w in meta.warnings)


def test_parties_as_list_with_blanks_and_numbers() -> None:
    assert interpret({"parties": ["A", " ", None, 7, "B "]}).parties == ("A", "7", "B")
    meta = interpret({"parties": {"a": 1}})
    assert meta.parties == ()
    assert meta.warnings


def test_malformed_yaml_warns_and_keeps_the_body() -> None:
    meta, body = parse_front_matter("---\ntitle: a: b\n  - broken\n---\nThe body.\n")
    assert body == "The body.\n"
    assert meta.title is None and meta.extra == {}
    assert len(meta.warnings) == 1
    assert meta.warnings[0].startswith("malformed front matter (ingested with defaults): ")
    assert "line 2" in meta.warnings[0]


def test_front_matter_that_is_not_a_mapping() -> None:
    meta, body = parse_front_matter("---\n- a\n- b\n---\nBody\n")
    assert body == "Body\n"
    assert meta.warnings == [
        "malformed front matter (ingested with defaults): expected key: value pairs, got a list"
    ]


def test_unterminated_front_matter_keeps_the_whole_file() -> None:
    text = "---\ntitle: Never closed\n\nBody paragraph.\n"
    meta, body = parse_front_matter(text)
    assert body == text
    assert meta.title is None
    assert meta.warnings and meta.warnings[0].startswith("unterminated front matter")


def test_empty_front_matter_and_dots_terminator() -> None:
    assert split_front_matter("---\n---\nBody") == ({}, "Body", [])
    data, body, warnings = split_front_matter("---\ntitle: T\n...\nBody")
    assert data == {"title": "T"} and body == "Body" and warnings == []


def test_no_front_matter() -> None:
    assert split_front_matter("Just text\n---\nmore") == (None, "Just text\n---\nmore", [])
