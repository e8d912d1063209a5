"""Three `accords serve` replicas on one `chroma run` and one `redis-server`, asked in turn (round robin),
as behind a load balancer: what one replica learns, all of them know (`service.shared`).

- a conversation whose turns land on three replicas answers its follow-ups from the first turn's document;
- a site key limited to N a minute gets exactly N answers from the whole fleet, then 429 everywhere;
- a key created, then revoked, through one replica's admin API holds on all within `KEY_BOUND_S`;
- an upload through one replica is answered by the two others within `STORE_BOUND_S`, although their own
  timer would take 30 s (ACCORDS_REFRESH_INTERVAL_S): the store signal did it;
- an ingest job started on one replica is visible, and seen to finish, on the others;
- Redis killed mid-load: every answer still 200, follow-ups marked degraded, /ready still 200 and saying
  what is degraded; Redis back (empty, as without persistence): shared again, by itself.

Each replica has a data dir of its own, so nothing is shared through the file system. The replicas embed
through the scripted embeddings server (no model to load: each starts in seconds).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import (
    ChromaServer,
    RedisServer,
    ScriptedEmbeddings,
    ServiceProcess,
    accords_env,
    collection_for,
    redis_server_bin,
)
from tests.server_mode.conftest import ingest, stack_env

pytestmark = pytest.mark.slow

TOKEN = "admin-token-for-the-fleet-test"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
STORE_BOUND_S = 2.0  # docs/operations.md: an ingest on one replica is answered by all within 2 s
KEY_BOUND_S = 1.0  # a key created or revoked on one replica holds on all within 1 s
RATE = 5

HARBOUR = """---
title: Harbour Cooperation Accord
date: 2024-05-02
kind: agreement-text
---
# Harbour Cooperation Accord

Pilotage fees are 120 euros per call for vessels under 5,000 tonnes. Pilots board at the outer buoy.
The harbour accord was signed at Brenholt on 2 May 2024 by the two port ministers.
"""
FISHERIES = """---
title: Fisheries Accord
date: 2021-03-09
kind: agreement-text
---
# Fisheries Accord

The fisheries accord was signed at Quillon on 9 March 2021. It was signed by both fisheries ministers,
and the signing was witnessed by the coastal guard. Quotas for cod are set every spring.
"""
MEMO = """---
title: Inspection Memo
kind: memo
---
# Inspection Memo

Inspection code ZQ7781 covers the northern trawler fleet, which reports its catches every Friday.
"""
CUSTOMS = """---
title: Customs Memo
kind: memo
---
# Customs Memo

Customs seal XR5530 marks the containers cleared at the eastern quay before the morning tide.
"""
CUSTOMS_QUESTION = "What does customs seal XR5530 mark?"
FIRST = "What pilotage fees per call apply under the Harbour Cooperation Accord?"
FOLLOW_UPS = ("Where was it signed?", "When was it signed?")
MEMO_QUESTION = "Which fleet does inspection code ZQ7781 cover?"


def sources(body: dict[str, Any]) -> list[str]:
    return [source["document_id"] for source in body["sources"]]


def until(condition: Callable[[], bool], seconds: float, step: float = 0.05) -> float | None:
    """Seconds until `condition()` held, or None if it did not within `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started <= seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(step)
    return None


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    if redis_server_bin() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with RedisServer(tmp_path / "redis.log") as server:
        yield server


@pytest.fixture
def fleet(
    chroma_server: ChromaServer,
    embeddings: ScriptedEmbeddings,
    redis: RedisServer,
    services: list[ServiceProcess],
    tmp_path: Path,
) -> tuple[list[ServiceProcess], dict[str, str]]:
    """The replicas, started and ready, and the settings they share."""
    corpus, jobs = tmp_path / "corpus", tmp_path / "ingest-root" / "more"
    corpus.mkdir()
    jobs.mkdir(parents=True)
    (corpus / "harbour-accord.md").write_text(HARBOUR, encoding="utf-8")
    (corpus / "fisheries-accord.md").write_text(FISHERIES, encoding="utf-8")
    (jobs / "job-note.md").write_text("# Job Note\n\nThe job note mentions the lighthouse at Penmar.\n")
    collection = collection_for(tmp_path / "data-0")
    env = stack_env(chroma_server, tmp_path / "data-0", embeddings, ACCORDS_COLLECTION=collection)
    env.update(
        ACCORDS_REDIS_URL=redis.url,
        ACCORDS_ADMIN_TOKEN=TOKEN,
        ACCORDS_INGEST_ROOT=str(tmp_path / "ingest-root"),
        ACCORDS_REFRESH_INTERVAL_S="30",  # so only the store signal can make an upload visible in time
    )
    ingest(tmp_path / "data-0", corpus, env)
    for n in range(3):
        data = tmp_path / f"data-{n}"  # a data dir each: nothing shared through files
        services.append(ServiceProcess(tmp_path / f"serve-{n}.log", accords_env(data, **env)))
    for service in services:
        service.wait_ready()
    return services, env


def test_three_replicas_share_one_truth_and_degrade_without_redis(
    fleet: tuple[list[ServiceProcess], dict[str, str]], redis: RedisServer, tmp_path: Path
) -> None:
    replicas, env = fleet
    turn = itertools.cycle(replicas)

    # A conversation whose turns land on three replicas.
    first = next(turn).chat(FIRST).json()
    assert sources(first)[0] == "harbour-accord", first
    conversation = first["conversation_id"]
    for question, expected in zip(FOLLOW_UPS, ("Brenholt", "2 May 2024"), strict=True):
        answer = next(turn).chat(question, conversation_id=conversation).json()
        assert answer["degraded"] is False and answer["conversation_id"] == conversation
        assert sources(answer)[0] == "harbour-accord" and expected in answer["answer"], answer
    alone = replicas[1].chat(FOLLOW_UPS[0]).json()  # the control: without its conversation, the other accord
    assert sources(alone)[0] == "fisheries-accord", alone

    # A site key made through one replica's admin API: exactly RATE answers from the whole fleet.
    made = replicas[0].http.post(
        "/admin/site-keys",
        json={"origins": ["https://site.example"], "rate": f"{RATE}/minute"},
        headers=ADMIN,
    )
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    keyed = {"X-Accords-Site-Key": key}

    def accepted_everywhere(yes: bool) -> Callable[[], bool]:
        def check() -> bool:
            return all(
                s.http.get("/widget/status", params={"site_key": key}).json()["origin_allowed"] is yes
                for s in replicas
            )

        return check

    assert until(accepted_everywhere(True), KEY_BOUND_S) is not None
    statuses = [
        next(turn).http.post("/chat", json={"question": FIRST}, headers=keyed).status_code
        for _ in range(RATE + 3)
    ]
    assert statuses == [200] * RATE + [429] * 3, statuses

    # Revoked through another replica: refused by all.
    assert replicas[1].http.delete(f"/admin/site-keys/{key}", headers=ADMIN).status_code == 200
    assert until(accepted_everywhere(False), KEY_BOUND_S) is not None
    refused = {s.http.post("/chat", json={"question": FIRST}, headers=keyed).status_code for s in replicas}
    assert refused == {403}

    # An upload through one replica, answered by the others within the bound.
    others = [replicas[0], replicas[1]]
    assert all("inspection-memo" not in sources(s.chat(MEMO_QUESTION).json()) for s in others)
    uploaded = replicas[2].http.post(
        "/admin/documents", files={"files": ("inspection-memo.md", MEMO.encode())}, headers=ADMIN, timeout=60
    )
    assert uploaded.status_code in (200, 201), uploaded.text
    done = time.monotonic()
    answered = until(
        lambda: all(sources(s.chat(MEMO_QUESTION).json())[:1] == ["inspection-memo"] for s in others),
        STORE_BOUND_S,
    )
    assert answered is not None, f"not answered by every replica within {STORE_BOUND_S} s of the upload"
    assert time.monotonic() - done <= STORE_BOUND_S + 0.5

    # `accords ingest` elsewhere (another machine, say): every replica answers within the bound too.
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "customs-memo.md").write_text(CUSTOMS, encoding="utf-8")
    assert ingest(tmp_path / "cli-data", extra, env)["added"] == 1
    done = time.monotonic()
    answered = until(
        lambda: all(sources(s.chat(CUSTOMS_QUESTION).json())[:1] == ["customs-memo"] for s in replicas),
        STORE_BOUND_S,
    )
    assert answered is not None, f"not answered by every replica within {STORE_BOUND_S} s of the ingest"

    # A job started on one replica, visible on the others as it runs and when it ends.
    started = replicas[0].http.post("/admin/ingest-jobs", json={"path": "more"}, headers=ADMIN)
    assert started.status_code == 202, started.text
    job = started.json()["id"]
    for service in replicas[1:]:
        seen = service.http.get(f"/admin/ingest-jobs/{job}", headers=ADMIN)
        assert seen.status_code == 200 and seen.json()["id"] == job
        assert job in [j["id"] for j in service.http.get("/admin/ingest-jobs", headers=ADMIN).json()["jobs"]]

    def finished() -> bool:
        record = replicas[2].http.get(f"/admin/ingest-jobs/{job}", headers=ADMIN).json()
        return bool(record["status"] == "succeeded")

    assert until(finished, 60) is not None

    # Redis killed mid-load: every answer 200, follow-ups degraded; /ready still 200 and says so.
    results: list[tuple[float, int, dict[str, Any]]] = []
    stop = threading.Event()

    def load(service: ServiceProcess) -> None:
        while not stop.is_set():
            response = service.chat(FOLLOW_UPS[1], conversation_id=conversation)
            results.append((time.monotonic(), response.status_code, response.json()))

    threads = [threading.Thread(target=load, args=(service,)) for service in replicas]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        redis.kill()
        killed = time.monotonic()
        time.sleep(3.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert {status for _, status, _ in results} == {200}, [b for _, s, b in results if s != 200][:3]
    before = [body for at, _, body in results if at < killed]
    after = [body for at, _, body in results if at > killed + 1.0]
    assert before and not any(body["degraded"] for body in before)
    assert after and all(body["degraded"] for body in after)
    assert all("unavailable" in (body["degraded_reason"] or "") for body in after)
    for service in replicas:
        ready = service.http.get("/ready")
        assert ready.status_code == 200 and ready.json()["degraded"]["shared_state"]["state"] == "degraded"

    # Redis back: shared again, by itself (the breaker probes after its cool-down).
    redis.restart()

    def shared_again() -> bool:
        return all("degraded" not in s.http.get("/ready").json() for s in replicas)

    assert until(shared_again, 20, 0.5) is not None
    again = next(turn).chat(FIRST).json()
    follow = next(turn).chat(FOLLOW_UPS[0], conversation_id=again["conversation_id"]).json()
    assert follow["degraded"] is False and sources(follow)[0] == "harbour-accord", follow
    for service in replicas:
        assert "accords_shared_fallbacks_total" in service.http.get("/metrics").text
