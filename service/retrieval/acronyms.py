"""Acronyms a document defines ("North American Drug Dialogue (NADD)"), so either form finds the other.

Agreement texts introduce a name once and use the acronym afterwards; a question may use either. A
definition is accepted only when the acronym's letters are the initials of the words before the
parenthesis (small words like "of" and "the" may be skipped), which keeps "(the Parties)" or "(2023)" out.
"""

from __future__ import annotations

import re

_DEFINITION = re.compile(r"\(([A-Z][A-Za-z0-9&+-]*[A-Z0-9])\)")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&+-]*[A-Z0-9]\b")
_SMALL = frozenset("of for and on the in to a an de du la le at by with".split())
_MAX_WORDS = 12


def definitions(text: str) -> dict[str, str]:
    """Acronym -> long form, for every parenthesised acronym whose initials match the words before it."""
    found: dict[str, str] = {}
    for match in _DEFINITION.finditer(text):
        acronym = match.group(1)
        letters = [ch for ch in acronym if ch.isupper()]
        if len(letters) < 2 or acronym in found:
            continue
        words = re.findall(r"[\w'’.-]*\w", text[max(0, match.start() - 160) : match.start()])[-_MAX_WORDS:]
        long_form = _match_initials(words, letters)
        if long_form:
            found[acronym] = long_form
    return found


def _match_initials(words: list[str], letters: list[str]) -> str | None:
    """Shortest run of words ending at the parenthesis whose initials spell the acronym.

    Each word gives its initial, a hyphenated word the initials of its parts ("Vietnam-U.S." -> V, U,
    S); small words ("of", "and") may give a letter (ZOPFAN) or be skipped (NADD).
    """
    target = "".join(letters)

    def spell(index: int, remaining: str) -> int | None:
        """Index of the first word used, when words[index::-1] can spell `remaining` backwards."""
        if not remaining:
            return index + 1
        if index < 0:
            return None
        word = words[index]
        initials = "".join(part[:1].upper() for part in re.split(r"[-.]", word) if part[:1].isalpha())
        for option in dict.fromkeys(
            initials[:size] for size in range(len(initials), 0, -1)
        ):  # "VUS", "VU", "V"
            if option and remaining.endswith(option):
                found = spell(index - 1, remaining[: -len(option)])
                if found is not None:
                    return found
        if word.lower() in _SMALL:
            return spell(index - 1, remaining)
        return None

    first = spell(len(words) - 1, target)
    return " ".join(words[first:]) if first is not None else None


def acronyms_in(text: str) -> set[str]:
    return set(_ACRONYM.findall(text))
