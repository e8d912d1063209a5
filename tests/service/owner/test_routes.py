"""Feedback and the owner's reading over HTTP, on SQLite and PostgreSQL: every answer carries an id, a
visitor rates it with `POST /feedback`, the owner reads `/admin/feedback` (and its CSV), `/admin/questions`
and `/admin/reports/gaps`."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from service.access import SiteKeyStore
from tests.service.admin_support import AUTH, TOKEN
from tests.service.checks import parse_sse
from tests.service.routes.test_chat import ABSENT, KELD

FEEDBACK_FIELDS = {
    "id",
    "answer_id",
    "rating",
    "comment",
    "question",
    "answer",
    "mode",
    "found",
    "sources",
    "site_key",
    "created_at",
}
SITE = "https://site.example"


@pytest.fixture
def owner_client(make_client: Callable[..., TestClient], database_url: str) -> Callable[..., TestClient]:
    def make(**overrides: Any) -> TestClient:
        return make_client(database_url=database_url, admin_token=TOKEN, **overrides)

    return make


def ask(client: TestClient, question: str = KELD, **headers: str) -> dict[str, Any]:
    response = client.post("/chat", json={"question": question}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def feedback(client: TestClient, **admin_query: str) -> dict[str, Any]:
    response = client.get("/admin/feedback", params=admin_query, headers=AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_answer_is_rated_and_the_owner_reads_it(owner_client: Callable[..., TestClient]) -> None:
    client = owner_client()
    answer = ask(client)
    assert len(answer["answer_id"]) >= 20
    rated = client.post(
        "/feedback", json={"answer_id": answer["answer_id"], "rating": "down", "comment": "Old"}
    )
    assert rated.status_code == 201 and set(rated.json()) == {"id"}
    assert "set-cookie" not in rated.headers
    listed = feedback(client)
    assert listed["total"] == 1
    item = listed["items"][0]
    assert set(item) == FEEDBACK_FIELDS
    assert (item["id"], item["answer_id"], item["rating"], item["comment"]) == (
        rated.json()["id"],
        answer["answer_id"],
        "down",
        "Old",
    )
    assert (item["question"], item["answer"], item["found"], item["mode"]) == (
        KELD,
        answer["answer"],
        answer["found"],
        "extractive",
    )
    expected = {s["document_id"]: s["title"] for s in answer["sources"]}
    assert item["sources"] == [{"document_id": d, "title": t} for d, t in expected.items()]
    assert item["site_key"] is None and datetime.fromisoformat(item["created_at"]).tzinfo is not None


def test_a_second_rating_replaces_the_first(owner_client: Callable[..., TestClient]) -> None:
    client = owner_client()
    answer_id = ask(client)["answer_id"]
    first = client.post("/feedback", json={"answer_id": answer_id, "rating": "down", "comment": "no"})
    second = client.post("/feedback", json={"answer_id": answer_id, "rating": "up"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert [(i["rating"], i["comment"]) for i in feedback(client)["items"]] == [("up", None)]


def test_feedback_on_an_unknown_answer_is_404_and_bad_bodies_are_422(
    owner_client: Callable[..., TestClient],
) -> None:
    client = owner_client()
    unknown = client.post("/feedback", json={"answer_id": "not-an-answer", "rating": "up"})
    assert (
        unknown.status_code == 404 and unknown.json()["error"] and unknown.json()["code"] == "unknown_answer"
    )
    answer_id = ask(client)["answer_id"]
    for body in (
        {"answer_id": answer_id, "rating": "meh"},
        {"answer_id": answer_id},
        {"answer_id": answer_id, "rating": "up", "comment": "x" * 2001},
        {"answer_id": answer_id, "rating": "up", "extra": 1},
        {"answer_id": "", "rating": "up"},
    ):
        assert client.post("/feedback", json=body).status_code == 422, body
    assert (
        client.post(
            "/feedback", json={"answer_id": answer_id, "rating": "up", "comment": "x" * 2000}
        ).status_code
        == 201
    )


def test_streamed_and_openai_answers_carry_their_id(owner_client: Callable[..., TestClient]) -> None:
    client = owner_client()
    with client.stream("POST", "/chat/stream", json={"question": KELD}) as response:
        events = parse_sse("".join(response.iter_text()))
    done = events[-1][1]
    assert client.post("/feedback", json={"answer_id": done["answer_id"], "rating": "up"}).status_code == 201
    body = {"model": "accords", "messages": [{"role": "user", "content": KELD}]}
    completion = client.post("/v1/chat/completions", json=body).json()
    assert completion["id"] == f"chatcmpl-{completion['accords']['answer_id']}"
    assert client.post("/feedback", json={"answer_id": completion["id"], "rating": "down"}).status_code == 201
    with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as response:
        chunks = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: {")]
    assert len({chunk["id"] for chunk in chunks}) == 1
    assert chunks[-1]["id"] == f"chatcmpl-{chunks[-1]['accords']['answer_id']}"
    assert client.post("/feedback", json={"answer_id": chunks[-1]["id"], "rating": "up"}).status_code == 201
    assert feedback(client)["total"] == 3


def test_the_site_key_is_kept_and_filters(
    owner_client: Callable[..., TestClient], sample_data: Path, tmp_path: Path
) -> None:
    data = tmp_path / "keyed"
    shutil.copytree(sample_data, data)
    key = SiteKeyStore(data / "site-keys.json").create([SITE]).key
    client = owner_client(data_dir=data)
    keyed = ask(client, **{"Origin": SITE, "X-Accords-Site-Key": key})
    plain = ask(client)
    headers = {"Origin": SITE, "X-Accords-Site-Key": key}
    rated = client.post("/feedback", json={"answer_id": keyed["answer_id"], "rating": "up"}, headers=headers)
    assert rated.status_code == 201 and rated.headers["access-control-allow-origin"] == SITE
    client.post("/feedback", json={"answer_id": plain["answer_id"], "rating": "up"})
    assert [i["site_key"] for i in feedback(client, site_key=key)["items"]] == [key]
    assert feedback(client, rating="down")["total"] == 0
    assert feedback(client, q="keld")["total"] == 2


def test_the_csv_export(owner_client: Callable[..., TestClient]) -> None:
    client = owner_client()
    answer_id = ask(client)["answer_id"]
    comment = '=HYPERLINK("https://evil.example","click")'
    client.post("/feedback", json={"answer_id": answer_id, "rating": "down", "comment": comment})
    response = client.get("/admin/feedback.csv", params={"rating": "down"}, headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1
    assert rows[0]["comment"] == "'" + comment  # not a formula in a spreadsheet
    assert (rows[0]["question"], rows[0]["rating"], rows[0]["answer_id"]) == (KELD, "down", answer_id)
    assert client.get("/admin/feedback.csv", params={"rating": "up"}, headers=AUTH).text.count("\n") == 1


def test_the_owner_deletes_a_rating(owner_client: Callable[..., TestClient]) -> None:
    client = owner_client()
    answer_id = ask(client)["answer_id"]
    rated = client.post("/feedback", json={"answer_id": answer_id, "rating": "down", "comment": "x"})
    assert rated.status_code == 201, rated.text
    path = f"/admin/feedback/{rated.json()['id']}"
    assert client.delete(path).status_code == 401
    deleted = client.delete(path, headers=AUTH)
    assert deleted.status_code == 200 and deleted.json() == {"id": rated.json()["id"], "deleted": True}
    assert feedback(client)["total"] == 0
    again = client.delete(path, headers=AUTH)
    assert again.status_code == 404 and again.json()["code"] == "unknown_feedback"
    assert client.delete("/admin/feedback/" + "x" * 101, headers=AUTH).status_code == 422


def test_the_owner_routes_need_the_admin_token(owner_client: Callable[..., TestClient]) -> None:
    client = owner_client(question_log=True)
    for path in ("/admin/feedback", "/admin/feedback.csv", "/admin/questions", "/admin/reports/gaps"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, params={"since": "not a date"}, headers=AUTH).status_code == 422, path


def test_the_question_log_is_off_by_default(
    owner_client: Callable[..., TestClient], database_url: str
) -> None:
    client = owner_client()
    ask(client)
    response = client.get("/admin/questions", headers=AUTH)
    assert response.status_code == 404 and "ACCORDS_QUESTION_LOG" in response.json()["detail"]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM questions")).scalar() == 0
    engine.dispose()


def test_the_question_log_when_on(owner_client: Callable[..., TestClient]) -> None:
    client = owner_client(question_log=True)
    first = ask(client)
    client.post(
        "/chat", json={"question": "When was that signed?", "conversation_id": first["conversation_id"]}
    )
    absent = ask(client, ABSENT[0])
    page = client.get("/admin/questions", headers=AUTH).json()
    assert page["total"] == 3
    assert set(page["items"][0]) == {
        "question",
        "found",
        "documents",
        "latency_ms",
        "site_key",
        "conversation_id",
        "created_at",
    }
    assert (page["items"][0]["question"], page["items"][0]["found"]) == (ABSENT[0], absent["found"])
    conversation = client.get(
        "/admin/questions", params={"conversation_id": first["conversation_id"]}, headers=AUTH
    ).json()
    assert [i["question"] for i in conversation["items"]] == ["When was that signed?", KELD]
    keld = conversation["items"][1]
    assert keld["documents"] == list(
        dict.fromkeys(
            first["sources"][n - 1]["document_id"]
            for sentence in first["sentences"]
            for n in sentence["sources"]
        )
    )
    assert keld["latency_ms"] >= 0
    limited = client.get("/admin/questions", params={"limit": 1, "offset": 1}, headers=AUTH).json()
    assert (limited["total"], len(limited["items"])) == (3, 1)


def test_the_gaps_report(owner_client: Callable[..., TestClient]) -> None:
    client = owner_client(question_log=True, found_threshold=1.0)  # every answer "not found"
    for question in ABSENT[:2]:
        assert ask(client, question)["found"] is False
    answered = ask(client)
    client.post("/feedback", json={"answer_id": answered["answer_id"], "rating": "down"})
    report = client.get("/admin/reports/gaps", headers=AUTH).json()
    assert report["questions"] == 3
    assert sum(cluster["size"] for cluster in report["clusters"]) == 3
    for cluster in report["clusters"]:
        assert set(cluster) == {"size", "examples", "documents", "first_seen", "last_seen", "reasons"}
        assert 1 <= len(cluster["examples"]) <= 3
        assert all(set(d) == {"document_id", "title"} for d in cluster["documents"])
        assert cluster["first_seen"] <= cluster["last_seen"]
    reasons = [cluster["reasons"] for cluster in report["clusters"]]
    assert sum(r["not_found"] for r in reasons) == 3 and sum(r["thumbs_down"] for r in reasons) == 1
    sizes = [cluster["size"] for cluster in report["clusters"]]
    assert sizes == sorted(sizes, reverse=True)
    later = client.get("/admin/reports/gaps", params={"since": "2999-01-01"}, headers=AUTH).json()
    assert later == {"questions": 0, "clusters": []}


def test_nothing_stored_names_the_client(owner_client: Callable[..., TestClient], database_url: str) -> None:
    """No IP address, no cookie: the test client's address ("testclient") appears in no row."""
    client = owner_client(question_log=True)
    answer_id = ask(client)["answer_id"]
    client.post("/feedback", json={"answer_id": answer_id, "rating": "down"})
    engine = create_engine(database_url)
    with engine.connect() as connection:
        for table in ("answers", "feedback", "questions"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).mappings().all()  # noqa: S608
            assert rows and not any("ip" in column or "cookie" in column for column in rows[0])
            assert "testclient" not in repr(rows)
    engine.dispose()


def test_any_replica_takes_the_feedback_on_another_ones_answer(
    owner_client: Callable[..., TestClient],
) -> None:
    """Two service processes over one database (PostgreSQL is what replicas share): the answer is recorded
    by the one that gave it, the rating lands on the other."""
    first, second = owner_client(), owner_client()
    answer_id = ask(first)["answer_id"]
    assert second.post("/feedback", json={"answer_id": answer_id, "rating": "up"}).status_code == 201
    assert [item["answer_id"] for item in feedback(first)["items"]] == [answer_id]
