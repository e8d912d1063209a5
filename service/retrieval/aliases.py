"""Other names of the same country, so a question in everyday words finds the text's formal ones.

People write "Ottawa and Washington" or "the Swiss" where an agreement writes "Canada and the United
States" or "Switzerland": neither BM25 nor a small embedding model connects the two. The names come from
a maintained data package (`countryinfo`: capital, demonym, official and alternative names of 250
countries), never from a hand-made list: a question's alias adds the country's own name to the query.

Matching keeps the data's capital letters, so "male" or "victoria" in lower case are words, not capitals;
an alias that names two countries (a demonym shared by a country and a territory) goes to the more
populous one. A two-letter code counts only in capitals and when it is not also an English stop word
("US", "UK" count; "IN", "NO", "IT" are words).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from service.retrieval.terms import STOPWORDS

_WORD = re.compile(r"[^\W\d_]+(?:[.'’-][^\W\d_]+)*\.?")
_MAX_WORDS = 4


@lru_cache(maxsize=1)
def country_records() -> tuple[dict[str, Any], ...]:
    """Every country's record in `countryinfo`, read once for the aliases and the answer features."""
    from countryinfo import CountryInfo  # a 0.4 MB JSON load, only when a question first needs it

    return tuple(dict(data) for data in CountryInfo.all().values())


@lru_cache(maxsize=1)
def alias_table() -> dict[tuple[str, ...], str]:
    """Alias (as words, with their case) -> the country's name."""
    table: dict[tuple[str, ...], tuple[str, int]] = {}
    for data in country_records():
        name = str(data.get("name") or "")
        if not name:
            continue
        population = int(data.get("population") or 0)
        aliases = [str(data.get("capital") or ""), str(data.get("demonym") or ""), name]
        aliases += [str(spelling) for spelling in data.get("altSpellings") or [] if _usable(str(spelling))]
        for alias in aliases:
            for words in _forms(alias):
                kept = table.get(words)
                if kept is None or kept[1] < population:
                    table[words] = (name, population)
    return {words: name for words, (name, _) in table.items()}


def _usable(spelling: str) -> bool:
    return len(spelling) > 2 or (spelling.isupper() and spelling.lower() not in STOPWORDS)


def _forms(alias: str) -> list[tuple[str, ...]]:
    """The alias as words, and without a trailing abbreviation ("Washington D.C." -> "Washington")."""
    words = tuple(_WORD.findall(alias))
    if not words or len(words) > _MAX_WORDS or not words[0][:1].isupper():
        return []
    forms = [words]
    while len(words) > 1 and words[-1].endswith("."):
        words = words[:-1]
        forms.append(words)
    return forms


def country_names(text: str) -> list[str]:
    """The countries `text` names by an alias and not by their own name, in order of first mention."""
    table = alias_table()
    words = [w.rstrip(".") if not w.rstrip(".").count(".") else w for w in _WORD.findall(text)]
    found: list[str] = []
    index = 0
    while index < len(words):
        for size in range(min(_MAX_WORDS, len(words) - index), 0, -1):
            phrase = tuple(words[index : index + size])
            name = table.get(phrase)
            if name is None and phrase[-1].endswith("s"):  # "Americans", "the Swiss"
                name = table.get((*phrase[:-1], phrase[-1][:-1]))
            if name is not None:
                if name not in found:
                    found.append(name)
                index += size
                break
        else:
            index += 1
    return [name for name in found if not re.search(rf"\b{re.escape(name)}\b", text, re.I)]
