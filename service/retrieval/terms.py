"""The lexical view of text: the terms BM25 indexes and answer sentences are matched on.

Agreement questions hinge on exact tokens ("Article 12.9", "PGII", "CAD $420 million",
"movilidadsegura.org"), which generic tokenizers break ("12.9" -> "12", "9") or drop (one-character
tokens). Numbers keep their dots and commas, dotted names stay whole, hyphenated compounds yield the
compound and its parts, and words are Snowball-stemmed so "negotiations" meets "negotiated".
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:[.'’&-][^\W\d_]+)*")
_STEMMER = Stemmer.Stemmer("english")
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each either few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just me
    more most my myself neither no nor not of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up upon very was we were what when where which while who whom whose
    why will with would you your yours yourself yourselves per via within without according""".split()
)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


_NAME = re.compile(r"\b[A-Z][a-z]{4,}")


def name_stems(text: str) -> list[str]:
    """Demonyms: the stemmer keeps "Lithuanian" and "Lithuania" apart, so capitalized
    words also give their first five letters as a term (for matching only, never shown)."""
    return [f"^{match.group(0)[:5].lower()}" for match in _NAME.finditer(text)]


def terms(text: str, expand: bool = True) -> list[str]:
    """Index terms of `text`, in order, with repeats (BM25 counts them).

    `expand` adds the parts of compounds ("people-to-people" -> "peopl") for recall; matching sentences
    against a question turns it off so one hyphenated name does not count three times.
    """
    out: list[str] = []
    for token in _TOKEN.findall(text.lower().replace("’", "'")):
        if token[0].isdigit():
            out.append(token.rstrip(".,:"))
            continue
        if token in STOPWORDS:
            continue
        out.append(_stem(token) if token.isalpha() else token)
        if expand and not token.isalpha():  # "people-to-people", "u.s", "movilidadsegura.org": parts too
            out.extend(_stem(part) for part in re.split(r"[.'&-]", token) if part and part not in STOPWORDS)
    return out


_SIGNATURE_LINE = re.compile(r"\b(?i:done|signed|concluded)\s+(?i:at|in)\s+[A-Z]")


def signature_terms(text: str) -> list[str]:
    """Treaties close with "Done at Vilnius on ..." and never say "signed" or "concluded" there, which is
    what people ask ("where was it signed?"): a signature line also counts as those words."""
    return [_stem("signed"), _stem("concluded"), "done"] if _SIGNATURE_LINE.search(text) else []
