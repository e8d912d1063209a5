from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura

from ingest.loaders import EmptyDocument, NoText, load_document
from ingest.loaders.normalize import normalize_text

PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Statement on Fisheries | Ministry of the Sea</title>
<meta property="og:title" content="Statement on Fisheries Cooperation">
<meta name="DC.date" content="2023-01-01">
<meta property="article:published_time" content="2024-05-23T10:00:00Z">
<link rel="canonical" href="https://sea.example.org/news/fisheries">
</head><body>
<div class="cookie-banner"><p>We use cookies to improve your experience. Accept all cookies?</p></div>
<header><a href="/">Ministry of the Sea</a><form><input name="q" placeholder="Search"></form></header>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News and press releases</a></li></ul></nav>
<main><article>
<h1>Statement on Fisheries Cooperation</h1>
<p>The ministers of Aldermere and Tessaly met in Port Ellery and agreed on joint measures to protect the
herring stocks of the Sea of Ostra, which both fleets depend on.</p>
<h2>Catch limits</h2>
<p>The total allowable catch of herring for 2025 is set at 48,000 tonnes, of which Aldermere receives a
share of fifty-five percent and Tessaly the remainder.</p>
<ul><li>Herring: 48,000 tonnes</li><li>Mackerel: 31,500 tonnes</li></ul>
<h3>Inspections</h3>
<p>Inspectors of both sides will carry out at least forty joint patrol days every year in the joint zone.</p>
<table><tr><th>Species</th><th>Share</th></tr><tr><td>Cod</td><td>50%</td></tr></table>
</article></main>
<aside><h3>Related news</h3>
<p><time datetime="2022-02-02">2 Feb 2022</time> Older story about ports.</p></aside>
<footer><p>Copyright 2024 Ministry of the Sea. All rights reserved.</p>
<a href="/privacy">Privacy notice</a></footer>
<script>var tracking = "should never appear";</script>
</body></html>
"""


def write(tmp_path: Path, content: str, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.usefixtures("no_network")
def test_boilerplate_is_removed_and_article_kept(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, PAGE))
    assert doc.format == "html"
    for boilerplate in (
        "cookies",
        "Search",
        "News and press releases",
        "Copyright",
        "Privacy",
        "Related news",
        "Older story",
        "tracking",
    ):
        assert boilerplate not in doc.text
    assert "48,000 tonnes, of which Aldermere" in doc.text
    assert "- Herring: 48,000 tonnes\n- Mackerel: 31,500 tonnes" in doc.text
    assert "Species | Share\n\nCod | 50%" in doc.text
    assert normalize_text(doc.text) == doc.text
    assert doc.warnings == ()


@pytest.mark.usefixtures("no_network")
def test_headings_are_plain_paragraphs_at_recorded_offsets(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, PAGE))
    found = {doc.text[offset:].split("\n\n", 1)[0]: level for offset, level in doc.headings.items()}
    assert found == {"Statement on Fisheries Cooperation": 1, "Catch limits": 2, "Inspections": 3}


def test_title_date_and_url_come_from_the_head(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, PAGE))
    assert doc.title == "Statement on Fisheries Cooperation"  # og:title beats the suffixed <title>
    assert doc.date == "2024-05-23"  # article:published_time beats DC.date and the sidebar's <time>
    assert doc.url == "https://sea.example.org/news/fisheries"


def test_title_tag_then_h1_and_time_element(tmp_path: Path) -> None:
    body = "<p>" + "The parties agreed on a detailed plan for cooperation in many areas. " * 6 + "</p>"
    page = "<html><head><title> Plain title </title></head><body><article>"
    page += f"<time datetime='2024-02-29'>x</time>{body}</article></body></html>"
    doc = load_document(write(tmp_path, page))
    assert (doc.title, doc.date, doc.url) == ("Plain title", "2024-02-29", None)
    page = f"<html><body><article><h1>Heading Title</h1>{body}<h2>Next</h2>{body}</article></body></html>"
    doc = load_document(write(tmp_path, page))
    assert doc.title == "Heading Title"
    assert doc.date is None  # no date stated: never the file's mtime


def test_json_ld_date_and_og_url(tmp_path: Path) -> None:
    page = """<html><head><meta property="og:url" content="https://x.example.org/a">
    <script type="application/ld+json">
      {"@graph": [{"@type": "NewsArticle", "datePublished": "2021-07-04"}]}
    </script></head>
    <body><p>Some statement text that is long enough to be the main content of this page.</p></body></html>"""
    doc = load_document(write(tmp_path, page))
    assert (doc.date, doc.url) == ("2021-07-04", "https://x.example.org/a")


def test_xhtml_with_xml_declaration_and_latin1(tmp_path: Path) -> None:
    page = '<?xml version="1.0" encoding="iso-8859-1"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
    page += "<title>Déclaration</title></head>"
    page += "<body><p>Accord signé à Genève, café, naïve, Noël.</p></body></html>"
    path = tmp_path / "x.htm"
    path.write_bytes(page.encode("cp1252"))
    doc = load_document(path)
    assert doc.title == "Déclaration"
    assert "Accord signé à Genève" in doc.text


@pytest.mark.parametrize("page", ["", "   \n"])
def test_blank_files_are_empty(tmp_path: Path, page: str) -> None:
    with pytest.raises(EmptyDocument):
        load_document(write(tmp_path, page))


@pytest.mark.parametrize(
    "page",
    [
        "<!-- only a comment -->",
        "<html><head><title>T</title></head><body></body></html>",
        "<html><body><nav><a href='/'>Home</a></nav><footer>(c) 2024</footer><script>x=1</script></body>",
    ],
)
def test_pages_where_nothing_is_extracted_are_no_text_not_empty(tmp_path: Path, page: str) -> None:
    with pytest.raises(NoText, match=r"^no text found in the page$"):
        load_document(write(tmp_path, page))


def test_whole_body_fallback_when_trafilatura_finds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    page = "<html><body><nav>Menu</nav><h2>Scope</h2><div>First<br>second line</div><p>Para</p></body></html>"
    doc = load_document(write(tmp_path, page))
    assert doc.text == "Scope\n\nFirst\nsecond line\n\nPara"
    assert doc.headings == {0: 2}
    assert doc.warnings == ("main text not detected: ingested the whole page body",)
