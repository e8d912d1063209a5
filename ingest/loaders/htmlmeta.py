"""What a web page declares about itself: title, publication date, canonical URL.

Why read the <head> by hand rather than use trafilatura/htmldate metadata: those tools are built to
guess, scanning body text, URLs and even the current date; for agreements a guessed date silently
answers "when was it signed?" wrongly. This module only reads values the page states explicitly, in a
fixed order of trust, and is a few lookups over an lxml tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ingest.loaders.dates import parse_date
from ingest.loaders.normalize import clean_field

# First match wins. Open Graph and Dublin Core titles are usually the bare document title, whereas
# <title> tends to carry a " | Site name" suffix.
_TITLE_KEYS = ("og:title", "citation_title", "dc.title", "dcterms.title", "twitter:title")
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "citation_publication_date",
    "citation_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "date",
    "datepublished",
    "pubdate",
    "publish-date",
    "publish_date",
    "publication_date",
)
_URL_KEYS = ("og:url",)


@dataclass(frozen=True)
class PageMetadata:
    title: str | None
    date: str | None
    url: str | None


def _meta_tags(tree: Any) -> dict[str, str]:
    """`{lower-cased name/property/itemprop: content}` keeping the first occurrence of each key."""
    tags: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if key and content and key not in tags:
            tags[key] = content
    return tags


def _json_ld_dates(tree: Any) -> list[str]:
    """`datePublished` values from schema.org JSON-LD blocks (common on government news pages)."""
    found: list[str] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):  # arrays nested ~100,000 deep overflow json's C scanner
            continue  # one bad block costs its date, not the page
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if isinstance(item.get("datePublished"), str):
                    found.append(item["datePublished"])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return found


def _date(tree: Any, tags: dict[str, str]) -> str | None:
    candidates = [tags[key] for key in _DATE_KEYS if key in tags]
    candidates += _json_ld_dates(tree)
    # A <time> inside the article beats one in a "related news" sidebar.
    for xpath in ("//article//time[@datetime]", "//main//time[@datetime]", "//time[@datetime]"):
        candidates += [element.get("datetime") for element in tree.xpath(xpath)]
    for candidate in candidates:
        iso = parse_date(candidate)
        if iso:
            return iso
    return None


def _url(tree: Any, tags: dict[str, str]) -> str | None:
    candidates = [
        link.get("href") or ""
        for link in tree.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    candidates += [tags[key] for key in _URL_KEYS if key in tags]
    for candidate in candidates:
        url = candidate.strip()
        if url.startswith(("http://", "https://")):
            return url
    return None


def page_metadata(tree: Any) -> PageMetadata:
    """Title, date and URL the page states in its head (and <time> elements)."""
    tags = _meta_tags(tree)
    title = next((clean_field(tags[key]) for key in _TITLE_KEYS if clean_field(tags.get(key))), None)
    if title is None:
        title_element = tree.find(".//title")
        title = clean_field(title_element.text_content()) if title_element is not None else None
    return PageMetadata(title=title, date=_date(tree, tags), url=_url(tree, tags))
