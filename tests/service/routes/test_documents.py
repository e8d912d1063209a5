"""GET /documents, /documents/{id} and /documents/{id}/text over the samples (plus one undated memo)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from harness import HashingEmbedder
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.schemas import DocumentDetail, DocumentSummary
from tests.service.conftest import SAMPLE_IDS, UNDATED_ID, service_settings
from tests.service.test_errors import assert_error

TREATY = "northwater-basin-treaty"
BY_DATE = [  # newest first, the undated memo last
    ("sarn-korvath-clean-energy-plan", "2025-01-17"),
    ("aldermere-tessaly-fisheries-mou", "2024-10-02"),
    ("korvath-sarn-digital-trade-statement", "2024-09-05"),
    ("aldermere-coastal-resilience-fact-sheet", "2024-06-12"),
    ("aldermere-korvath-joint-statement-v2-revised", "2024-03-21"),
    ("aldermere-korvath-joint-statement-v1", "2024-03-14"),
    (TREATY, "2023-11-08"),
    (UNDATED_ID, None),
]


def listing(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/documents", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(page: dict[str, Any]) -> list[str]:
    return [document["id"] for document in page["documents"]]


# ------------------------------------------------------------------------------------- the list


def test_the_list_holds_every_document_newest_first(client: TestClient) -> None:
    page = listing(client)
    assert (page["total"], page["offset"], page["limit"]) == (8, 0, 50)
    assert [(d["id"], d["date"]) for d in page["documents"]] == BY_DATE
    assert set(ids(page)) == SAMPLE_IDS | {UNDATED_ID}
    for document in page["documents"]:
        assert set(document) == set(DocumentSummary.model_fields)
        assert document["chunks"] > 0 and len(document["content_hash"]) == 64


def test_pages_follow_offset_and_limit(client: TestClient) -> None:
    everything = ids(listing(client))
    pages = [listing(client, offset=offset, limit=3) for offset in (0, 3, 6)]
    assert [ids(page) for page in pages] == [everything[0:3], everything[3:6], everything[6:8]]
    assert all(page["total"] == 8 and page["limit"] == 3 for page in pages)
    past_the_end = listing(client, offset=100)
    assert (past_the_end["total"], past_the_end["documents"]) == (8, [])
    assert ids(listing(client, limit=500)) == everything


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "fact-sheet"}, {"aldermere-coastal-resilience-fact-sheet"}),
        ({"kind": ["fact-sheet", "agreement-text"]}, {"aldermere-coastal-resilience-fact-sheet", TREATY}),
        ({"kind": "memo"}, {UNDATED_ID}),
        ({"kind": "no-such-kind"}, set()),
        ({"date_from": "2024-09-05"}, {d for d, date in BY_DATE if date and date >= "2024-09-05"}),
        ({"date_to": "2024-03-14"}, {"aldermere-korvath-joint-statement-v1", TREATY}),
        ({"date_from": "2024-03-14", "date_to": "2024-03-21"}, {d for d, _ in BY_DATE[4:6]}),
        ({"date_from": "2024-06-12", "date_to": "2024-06-12"}, {"aldermere-coastal-resilience-fact-sheet"}),
        ({"date_from": "1900-01-01"}, SAMPLE_IDS),  # undated documents are out once a date is asked for
        (
            {"kind": "joint-statement", "date_from": "2024-03-15"},
            {"aldermere-korvath-joint-statement-v2-revised"},
        ),
    ],
)
def test_the_list_filters_by_kind_and_date(
    client: TestClient, params: dict[str, Any], expected: set[str]
) -> None:
    page = listing(client, **params)
    assert set(ids(page)) == expected and page["total"] == len(expected)


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"date_from": "2024-13-45"}, ("date_from", "date")),
        ({"date_to": "yesterday"}, ("date_to", "date")),
        ({"date_from": "2024-06-01", "date_to": "2024-01-01"}, ("date_from must not be after date_to",)),
        ({"offset": -1}, ("offset", "greater than or equal to 0")),
        ({"offset": "x"}, ("offset", "integer")),
        ({"limit": 0}, ("limit", "greater than or equal to 1")),
        ({"limit": 501}, ("limit", "less than or equal to 500")),
    ],
)
def test_bad_list_parameters_get_a_422(
    client: TestClient, params: dict[str, Any], mentions: tuple[str]
) -> None:
    assert_error(client.get("/documents", params=params), 422, "invalid_request", *mentions)


# ------------------------------------------------------------------------------------ one document


def detail(client: TestClient, document_id: str) -> dict[str, Any]:
    response = client.get(f"/documents/{document_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_document_has_its_metadata_chunks_and_length(client: TestClient) -> None:
    treaty = detail(client, TREATY)
    assert set(treaty) == set(DocumentDetail.model_fields)
    assert treaty["title"].startswith("Treaty between the Republic of Aldermere and the Principality of Sarn")
    assert (treaty["date"], treaty["kind"], treaty["format"]) == ("2023-11-08", "agreement-text", "markdown")
    assert treaty["parties"] == ["Republic of Aldermere", "Principality of Sarn"]
    assert treaty["url"] == "https://treaties.example.org/northwater-basin-treaty.pdf"
    assert treaty["metadata"]["status"] == "in force"
    assert treaty["metadata"]["entry_into_force"] == "2024-02-01"
    assert treaty["chunks"] > 1 and treaty["ingested_at"]
    whole = client.get(f"/documents/{TREATY}/text").json()
    assert treaty["length"] == len(whole["text"]) == whole["end"]
    summary = next(d for d in listing(client)["documents"] if d["id"] == TREATY)
    assert {key: treaty[key] for key in summary} == summary


@pytest.mark.parametrize(
    ("document_id", "fmt"),
    [
        ("sarn-korvath-clean-energy-plan", "pdf"),
        ("aldermere-tessaly-fisheries-mou", "docx"),
        ("korvath-sarn-digital-trade-statement", "html"),
    ],
)
def test_every_format_is_described(client: TestClient, document_id: str, fmt: str) -> None:
    assert detail(client, document_id)["format"] == fmt


def test_an_id_with_a_slash_from_a_subfolder_works(client: TestClient) -> None:
    memo = detail(client, UNDATED_ID)
    assert (memo["id"], memo["date"], memo["kind"]) == (UNDATED_ID, None, "memo")
    assert client.get("/documents/notes%2Flighthouse-memo").json() == memo
    text = client.get(f"/documents/{UNDATED_ID}/text").json()
    assert text["document_id"] == UNDATED_ID and "seventeen lighthouses" in text["text"]
    assert_error(client.get("/documents/notes"), 404, "not_found", "'notes'")


@pytest.mark.parametrize("path", ["/documents/nope", "/documents/nope/text", "/documents/notes/nope"])
def test_an_unknown_document_is_a_404_json(client: TestClient, path: str) -> None:
    assert_error(client.get(path), 404, "not_found", "no document with id")


# ------------------------------------------------------------------------------------ its text


def test_the_text_defaults_to_the_whole_document(client: TestClient) -> None:
    whole = client.get(f"/documents/{TREATY}/text").json()
    assert whole["start"] == 0 and whole["end"] == len(whole["text"]) > 1000
    assert whole["document_id"] == TREATY and whole["title"].startswith("Treaty between")
    assert "42 cubic metres per second" in whole["text"]


def test_start_and_end_cut_the_text(client: TestClient) -> None:
    whole = client.get(f"/documents/{TREATY}/text").json()["text"]
    length = len(whole)
    for start, end in [(0, 10), (100, 250), (length - 5, length), (7, 7), (0, length)]:
        part = client.get(f"/documents/{TREATY}/text", params={"start": start, "end": end}).json()
        assert (part["start"], part["end"], part["text"]) == (start, end, whole[start:end])
    assert client.get(f"/documents/{TREATY}/text", params={"start": 2000}).json()["text"] == whole[2000:]
    assert client.get(f"/documents/{TREATY}/text", params={"end": 30}).json()["text"] == whole[:30]


@pytest.mark.parametrize(
    ("params", "code", "mentions"),
    [
        ({"start": 20, "end": 10}, "invalid_request", ("start <= end", "2788")),
        ({"start": 5000}, "invalid_request", ("length",)),
        ({"end": 5000}, "invalid_request", ("length",)),
        ({"start": 2789}, "invalid_request", ("length",)),
        ({"start": -1}, "invalid_request", ("start", "greater than or equal to 0")),
        ({"end": -5}, "invalid_request", ("end", "greater than or equal to 0")),
        ({"start": "ten"}, "invalid_request", ("start", "integer")),
    ],
)
def test_bad_offsets_get_a_422(
    client: TestClient, params: dict[str, Any], code: str, mentions: tuple[str]
) -> None:
    assert_error(client.get(f"/documents/{TREATY}/text", params=params), 422, code, *mentions)


def test_a_document_whose_id_ends_in_text_is_reachable(
    tmp_path: Path, fake: HashingEmbedder, make_client: Callable[..., TestClient]
) -> None:
    """`/documents/{id}/text` must not swallow the metadata of a document called "annexes/text"."""
    folder = tmp_path / "in"
    (folder / "annexes").mkdir(parents=True)
    (folder / "annexes" / "text.md").write_text("# Annex\n\nThe annex lists 12 border crossings.\n")
    settings = service_settings(tmp_path / "data")
    Ingestor(open_store(settings, fake), fake, settings).run([folder])
    client = make_client(data_dir=settings.data_dir)
    document = client.get("/documents/annexes/text")
    assert document.status_code == 200, document.text
    assert document.json()["id"] == "annexes/text" and document.json()["title"] == "Annex"
    text = client.get("/documents/annexes/text/text").json()
    assert "12 border crossings" in text["text"]
    assert_error(client.get("/documents/annexes/text", params={"start": 0}), 404, "not_found")
