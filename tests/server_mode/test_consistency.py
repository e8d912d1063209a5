"""`accords serve` processes on one Chroma server, and `accords ingest` re-ingesting an edited document.

While the CLI writes, both processes are asked two questions back to back. Every answer must cite passages
of one committed version, whole (the text at their offsets in the old or the new document text, never a
mix of versions, never the document missing), and a process that answered from the new version never
answers from the old one again. After the commit, both processes must answer from the new version within
`BOUND_S` seconds (the bound the README documents): the dense side at once, and the lexical index too,
proven with a token that only the new version contains and that dense retrieval cannot reach. A third
process, asked nothing meanwhile, must be just as current when first asked `BOUND_S` after the commit.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness import (
    ChromaServer,
    HashingEmbedder,
    ScriptedEmbeddings,
    ServiceProcess,
    accords_env,
    collection_for,
)
from ingest.store import ChunkStore, open_store
from service.retrieval.hybrid import _POOL as DENSE_POOL
from service.settings import Settings
from tests.fakes import nearest_chunks
from tests.server_mode.conftest import MODEL, ingest, stack_env

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

BOUND_S = 2.0  # README, "Running with a Chroma server": refresh interval (1 s) + lexical rebuild
DOC = "harbour-accord"
FEES = "What pilotage fees per call apply to vessels under 5,000 tonnes?"
TOKEN = "KX4471"
CODE = f"Which fleet does inspection code {TOKEN} cover?"
FILLERS = 48  # more than the dense pool: they all outrank the new passage for CODE
TOP_K = 20  # sources listed: what retrieval found is judged, not which sentence the answerer quotes

HARBOUR = """---
title: Harbour Cooperation Accord
date: 2024-05-02
kind: agreement-text
---
# Harbour Cooperation Accord

## Article 1 Pilotage

{fees} Pilots board at the outer buoy and stay with the vessel until it is moored. A pilot who
boards in weather above force eight receives a hazard allowance, which the port authority pays.

## Article 2 Berths

The port authority keeps four deep-water berths free for ferries between six and ten in the morning.
Dredging of the approach channel takes place every second spring, after notice to all shipping lines.
Night arrivals are announced two hours ahead to the harbour master, who assigns a berth and a tug.
Cargo handlers work in three shifts, and the quay cranes are inspected by an engineer every month.

## Article 3 Registry

Each party keeps a registry of the vessels that call at its ports, with their owners, flags and tonnage.
{registry}The registries are compared every quarter, and differences are settled by the joint committee,
which meets in Brenholt and reports to both ministries before the end of the following month.
"""
OLD = {"fees": "Pilotage fees are 120 euros per call for vessels under 5,000 tonnes.", "registry": ""}
NEW = {
    "fees": "Pilotage fees are 135 euros per call for vessels under 5,000 tonnes, from 1 July 2024.",
    "registry": f"The northern fleet registers its vessels under inspection code {TOKEN}.\n",
}


def filler(n: int, edited: bool) -> str:
    note = " The notice was reviewed in 2025." if edited else ""
    return (
        f"# Inspection Notice {n}\n\nWhich fleet does inspection code KX{1000 + n} cover? Inspection code "
        f"KX{1000 + n} covers fleet {n} of the coastal guard.{note}\n"
    )


def write_corpus(folder: Path, edited: bool) -> None:
    folder.mkdir(exist_ok=True)
    for n in range(FILLERS):
        (folder / f"filler-{n:02d}.md").write_text(filler(n, edited), encoding="utf-8")
    (folder / f"{DOC}.md").write_text(HARBOUR.format(**(NEW if edited else OLD)), encoding="utf-8")


@dataclass
class Seen:
    service: int
    question: str
    started: float
    ended: float
    status: int
    body: dict[str, Any]


def poll(service: ServiceProcess, index: int, question: str, seen: list[Seen], stop: threading.Event) -> None:
    while not stop.is_set():
        started = time.monotonic()
        response = service.chat(question, top_k=TOP_K)
        seen.append(Seen(index, question, started, time.monotonic(), response.status_code, response.json()))


def watch_commit(store: ChunkStore, old_version: str, committed: list[float], stop: threading.Event) -> None:
    while not stop.is_set() and not committed:
        record = store.document(DOC)
        if record is not None and record.version != old_version:
            committed.append(time.monotonic())
        time.sleep(0.01)


def version_of(source: dict[str, Any], old: str, new: str) -> set[str]:
    """Which committed texts hold this passage whole at its offsets: {"old"}, {"new"}, both, or none."""
    start, end, text = source["start"], source["end"], source["text"]
    return {name for name, full in (("old", old), ("new", new)) if full[start:end] == text}


def test_every_process_answers_from_the_new_version_and_never_from_an_uncommitted_one(
    chroma_server: ChromaServer,
    embeddings: ScriptedEmbeddings,
    services: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    data, corpus = tmp_path / "data", tmp_path / "corpus"
    env = stack_env(chroma_server, data, embeddings)
    write_corpus(corpus, edited=False)
    ingest(data, corpus, env)
    settings = Settings(data_dir=data, chroma_url=chroma_server.url, collection=collection_for(data))
    store = open_store(settings)
    old_text, old_version = store.document_text(DOC), store.documents()[DOC].version
    assert old_text
    for index in range(3):  # the third is asked nothing until BOUND_S after the commit
        services.append(ServiceProcess(tmp_path / f"serve-{index}.log", accords_env(data, **env)))
    for service in services:
        service.wait_ready()

    seen: list[Seen] = []
    committed: list[float] = []
    stop = threading.Event()
    threads = [threading.Thread(target=watch_commit, args=(store, old_version, committed, stop))]
    threads += [
        threading.Thread(target=poll, args=(service, index, question, seen, stop))
        for index, service in enumerate(services[:2])
        for question in (FEES, CODE)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        write_corpus(corpus, edited=True)
        summary = ingest(data, corpus, {**env, "ACCORDS_EMBED_BATCH_SIZE": "2"})  # several commits
        assert (summary["updated"], summary["failed"]) == (FILLERS + 1, 0)
        assert committed, "the watcher never saw the commit"
        time.sleep(max(0.0, committed[0] + BOUND_S - time.monotonic()))
        idle = services[2].chat(CODE, top_k=TOP_K).json()  # its own timer refreshed it: no request needed
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    commit = committed[0]
    new_text = store.document_text(DOC)
    assert new_text and new_text != old_text

    # Premise: dense retrieval alone cannot bring the new passage to CODE, so finding it takes BM25.
    vector = HashingEmbedder(int(MODEL.removeprefix("hash-"))).embed([CODE])[0]  # the services' vectors
    dense = nearest_chunks(store, vector, DENSE_POOL, None)
    assert len(dense) == DENSE_POOL and not any(TOKEN in chunk.text for chunk in dense)

    delays: dict[tuple[int, str], float] = {}
    for index in range(2):
        for question in (FEES, CODE):
            answers = sorted(
                (s for s in seen if (s.service, s.question) == (index, question)), key=lambda s: s.started
            )
            assert len(answers) > 20 and all(s.status == 200 for s in answers), [
                s.body for s in answers if s.status != 200
            ][:3]
            versions = [cited_version(answer.body, old_text, new_text) for answer in answers]
            if question == FEES:  # the document is cited by every answer, before, during and after
                assert all(versions), "an answer without the harbour accord"
                is_new = [version == {"new"} for version in versions]
            else:  # the passage only BM25 can find
                is_new = [any(TOKEN in s["text"] for s in answer.body["sources"]) for answer in answers]
            assert any(is_new), f"service {index} never answered {question!r} from the new version"
            first_new = is_new.index(True)
            assert all(is_new[first_new:]), f"service {index} went back to the old version for {question!r}"
            assert all(s.ended >= commit for s in answers[first_new:]), "new version before its commit"
            delays[(index, question)] = answers[first_new].ended - commit
    assert any(TOKEN in s["text"] for s in idle["sources"]), idle
    log.info(
        "answers from the new version after the commit: %s",
        {f"{k[0]}:{k[1][:12]}": round(v, 3) for k, v in delays.items()},
    )
    assert max(delays.values()) <= BOUND_S, delays


def cited_version(body: dict[str, Any], old: str, new: str) -> set[str]:
    """The version(s) of the document an answer's passages come from: each passage whole in the old or
    the new text, and never passages of both in one answer. Empty: the document is not cited."""
    per_source = [version_of(s, old, new) for s in body["sources"] if s["document_id"] == DOC]
    assert all(per_source), f"a passage in neither committed text: {body['sources']}"
    assert not ({"old"} in per_source and {"new"} in per_source), f"two versions in one answer: {body}"
    return set.intersection(*per_source) if per_source else set()
