from __future__ import annotations

import datetime as dt

import pytest

from ingest.loaders.dates import find_date_in_text, parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2024, 5, 23), "2024-05-23"),
        (dt.datetime(2024, 5, 23, 10, 30), "2024-05-23"),
        ("2024-05-23", "2024-05-23"),
        ("2024-05-23T09:30:00+02:00", "2024-05-23"),
        ("2024/5/3", "2024-05-03"),
        ("May 23, 2024", "2024-05-23"),
        ("May 23 2024", "2024-05-23"),
        ("23 May 2024", "2024-05-23"),
        ("23rd of May, 2024", "2024-05-23"),
        ("Sept. 3, 2024", "2024-09-03"),
        ("Thursday, 23 May 2024", "2024-05-23"),
        ("  8 November 2023 ", "2023-11-08"),
    ],
)
def test_parse_date_accepts_full_dates(value: object, expected: str) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2024",
        "May 2024",
        "spring 2024",
        "2024-02-30",
        "23/05/2024",
        "",
        None,
        2024,
        ["2024-05-23"],
        "see 2024-05-23",
    ],
)
def test_parse_date_rejects_partial_or_ambiguous_values(value: object) -> None:
    assert parse_date(value) is None


def test_find_date_in_text_takes_the_first_full_date_near_the_top() -> None:
    text = "Joint Statement\n\nBrenholt, 9 October 2024\n\nThe meeting recalled the statement of 2024-03-14."
    assert find_date_in_text(text) == "2024-10-09"
    assert find_date_in_text("Signed on May 23, 2024 in Geneva") == "2024-05-23"


def test_find_date_in_text_ignores_dates_beyond_the_window_and_partial_dates() -> None:
    assert find_date_in_text("x" * 450 + " 23 May 2024") is None
    assert find_date_in_text("In 2024 the Parties met in March. Article 5 applies.") is None
    assert find_date_in_text("") is None
