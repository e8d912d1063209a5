"""Country aliases from the `countryinfo` data package: capitals, demonyms and short names find the name."""

from __future__ import annotations

import pytest

from service.retrieval.aliases import country_names


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("What did Ottawa and Washington agree?", ["Canada", "United States"]),
        ("Which deal did Bern and Vaduz sign?", ["Switzerland", "Liechtenstein"]),
        ("What did the Swiss promise the Americans?", ["Switzerland", "United States"]),
        ("Is Buenos Aires part of it?", ["Argentina"]),
        ("What did the US and the UK say?", ["United States", "United Kingdom"]),
        ("Did Mexico City and New Delhi talk?", ["India"]),  # "Mexico" is named already
    ],
)
def test_an_alias_adds_the_country_name(question: str, names: list[str]) -> None:
    assert country_names(question) == names


@pytest.mark.parametrize(
    "question",
    [
        "What did Canada and Ottawa say?",  # the name is already there
        "Is it IN force or NO longer?",  # two-letter codes that are English words
        "Is the male quota a victory?",  # capitals in lower case are words
    ],
)
def test_no_alias_where_there_is_none(question: str) -> None:
    assert country_names(question) == []
