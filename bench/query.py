"""Query benchmark: /chat over HTTP against a dense-only Chroma search on the same store, in the same run.

    .venv/bin/python -m bench.query [--corpus DIR] [--questions FILE] [--synthetic N] [--duration S]
                                    [--skip-synthetic] [--threads N] [--store DIR] [--startup-only] [--json]

What is measured, and why:

- Phase A, the real corpus. The corpus is ingested into a temp data dir (in-process, the real model, as
  `bench/ingest.py` does), the real service is started as a subprocess (`accords serve` on a free port of
  127.0.0.1) and POST /chat is called with the dev questions, cycled, for `--duration` seconds with 1
  client and then with 8 concurrent clients. Latency is what a client sees over HTTP (FastAPI, JSON, the
  loopback network included). Every response must hold a full extractive answer (`found`, a non-empty
  `answer`, and citations with their sources when found); the others are counted as bad.
- The baseline is the least a question can cost on the same store: embed it with the same model and ask
  Chroma for the 5 nearest passages (dense only: no BM25, no sentence scoring, no HTTP). It runs in a
  fresh process of its own, started like the service (same environment, one question per request over a
  pipe instead of HTTP), in turns with the /chat runs: each timed run is cut in 5 slices and the slices
  interleaved (the service idles while the baseline runs), so that the machine's drift and other
  processes' load fall on both alike. Each /chat figure is also printed as a ratio to it. The "others"
  column says how many CPUs other processes kept busy meanwhile: on a shared 2-CPU machine that is what
  makes figures noisy. Goal: /chat p95 with one client <= 40 ms.
- Phase B, scale. `--synthetic` made-up passages (100,000 by default, in documents of 50) are added to a
  copy of the phase A store through the store's own write API, with synthetic texts (words drawn from the
  real corpus) and synthetic vectors (perturbed copies of real passage vectors, so they crowd the real
  ones the way more documents on the same topics would): running the model 100k times would take over an
  hour. The same measurements are repeated, plus the service's start-up time until /ready and its memory:
  RSS sampled every 0.1 s (peak, and steady after the load) and the kernel's high-water mark (VmHWM).
  Before them, start-up and memory are compared: once "cold", no lexical snapshot in the data dir (every
  passage fetched from the store and tokenized, as every start-up was before snapshots), then 3 times
  (`--warm-starts`) "warm", from the snapshot the cold start wrote; the warm / cold ratios are printed.
  `--store DIR` keeps the phase B store for the next run (building it takes ~10 minutes);
  `--startup-only` runs only this.
  Goals: /chat p95 with one client <= 120 ms, service RSS <= 0.8 GB, warm start-up <= 10 s.
- The model runs as the service runs it by default (onnxruntime; `ACCORDS_ENCODER=torch` for torch) with
  one thread per call in both the service and the baseline, unless `--threads N` sets both. Measured
  here: with a thread per CPU, a busy machine turns the baseline's 10-20 ms embedding into 100s of ms of
  threads spinning at a barrier while the other thread waits for a CPU, which made it no floor at all.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from harness import (
    Latency,
    ServiceProcess,
    chat_load,
    close_http_clients,
    load_questions,
    stop_process,
    watching_others,
)
from ingest.embedders import Embedder, bundled_embedder
from ingest.models import Chunk, DocumentRecord
from ingest.pipeline import Ingestor
from ingest.settings import StoreSettings
from ingest.store import open_client, open_store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
CLIENTS = (1, 8)
TOP_K = 5
GOAL_P95_MS = {"real": 40.0, "synthetic": 120.0}  # /chat, one client
GOAL_RSS_MB = 800.0  # 0.8 GB, decimal
GOAL_STARTUP_S = 10.0  # a replica ready at 100k passages, from the lexical snapshot
CHUNKS_PER_DOCUMENT = 50
DOCUMENTS_PER_WRITE = 40  # 2,000 chunks per write_chunks + commit
SEED = 11
ROUNDS = 5  # each timed run is cut in this many slices, interleaved with the others'
WARM_UP_S = 3.0
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]|\d[\d,.]*\d|\d")


@dataclass(frozen=True, slots=True)
class Options:
    duration: float  # seconds per timed run (baseline, each client count)
    threads: int | None  # threads per model call in the service and the baseline; None = 1
    corpus: Path
    store: Path | None = None  # where phase B's store is kept and reused; None = a temp folder
    startup_only: bool = False  # phase B's start-up comparison only: no load runs, no phase A
    warm_starts: int = 3  # start-ups from the lexical snapshot, after the one without


# ---- figures ------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench/query] {message}", file=sys.stderr, flush=True)


# ---- the baseline: embed + Chroma top-5, in a process of its own -------------------------------


class DenseSearch:
    """The question's vector from the same model, then Chroma's 5 nearest passages: dense only, no BM25,
    no sentence scoring, no HTTP. The store is only read, after every write has finished."""

    def __init__(self, settings: StoreSettings, embedder: Embedder) -> None:
        self._collection = open_client(settings).get_collection(settings.collection)
        self._embedder = embedder

    def __call__(self, question: str) -> tuple[float, float]:
        """(seconds embedding, seconds searching)."""
        began = time.perf_counter()
        vector = self._embedder.embed([question])
        embedded = time.perf_counter()
        result = self._collection.query(
            query_embeddings=vector, n_results=TOP_K, include=["documents", "metadatas", "distances"]
        )
        assert len(result["ids"][0]) == TOP_K, "the store holds fewer than 5 passages"
        return embedded - began, time.perf_counter() - embedded


def baseline_worker(data_dir: Path) -> None:
    """`--baseline-worker`: a fresh process started like the service (same environment, nothing else in
    it) that answers each question line on stdin with its search's timings, as the service answers each
    request. Request and answer, not a loop of its own: on a busy machine the scheduler serves a process
    that waits between requests far sooner than one that never stops, and the service waits between
    requests."""
    settings = StoreSettings(data_dir=data_dir)  # model threads from the environment, as the service's
    search = DenseSearch(settings, bundled_embedder(settings))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        embedding, searching = search(json.loads(line)["question"])
        print(json.dumps({"embed_s": embedding, "query_s": searching}), flush=True)


class DenseBaseline:
    """This side of `baseline_worker`: starts it, asks for timed runs, keeps the timings."""

    def __init__(self, data_dir: Path, log_path: Path, options: Options) -> None:
        command = [sys.executable, "-m", "bench.query", "--baseline-worker", str(data_dir)]
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            # One thread per model call unless told otherwise, as the service: the floor must be robust,
            # and on a busy machine a thread per CPU turns one short query into 100s of ms of spinning.
            env=service_env(data_dir, options.threads or 1),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.embed_s: list[float] = []
        self.query_s: list[float] = []
        self._reply()  # ready

    def _reply(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        for line in self.process.stdout:  # skip anything a library printed
            with contextlib.suppress(ValueError):
                reply = json.loads(line)
                if isinstance(reply, dict):
                    return reply
        raise RuntimeError(f"the baseline worker exited with {self.process.wait()}; see {self._log.name}")

    def run(self, questions: Sequence[str], duration: float, tally: Latency) -> None:
        """One client, a question at a time, for `duration` seconds; a sample is the whole round trip."""
        assert self.process.stdin is not None
        began = time.perf_counter()
        while time.perf_counter() - began < duration:
            asked = time.perf_counter()
            self.process.stdin.write(json.dumps({"question": tally.next_question(questions)}) + "\n")
            self.process.stdin.flush()
            reply = self._reply()
            tally.samples.append(time.perf_counter() - asked)
            self.embed_s.append(reply["embed_s"])
            self.query_s.append(reply["query_s"])
        tally.seconds += time.perf_counter() - began

    def summary(self, tally: Latency) -> dict[str, Any]:
        figures = tally.summary()
        figures["embed_p50_ms"] = round(float(np.percentile(self.embed_s, 50)) * 1000, 2)
        figures["chroma_query_p50_ms"] = round(float(np.percentile(self.query_s, 50)) * 1000, 2)
        return figures

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        stop_process(self.process, timeout=20)
        self._log.close()


@contextmanager
def dense_baseline(data_dir: Path, log_path: Path, options: Options) -> Iterator[DenseBaseline]:
    baseline = DenseBaseline(data_dir, log_path, options)
    try:
        yield baseline
    finally:
        baseline.close()


# ---- the service as a subprocess ----------------------------------------------------------------


class MemorySampler:
    """Samples a process's resident memory every `interval` seconds from /proc (Linux)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self._pid = pid
        self._interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def status_kb(self) -> dict[str, int]:
        """VmRSS and VmHWM in kB, or {} once the process is gone."""
        try:
            lines = Path(f"/proc/{self._pid}/status").read_text().splitlines()
        except OSError:
            return {}
        fields = dict(line.split(":", 1) for line in lines if ":" in line)
        return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM") if key in fields}

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            rss = self.status_kb().get("VmRSS", 0)
            self.peak_kb = max(self.peak_kb, rss)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(slots=True)
class Service:
    process: ServiceProcess
    startup_s: float
    memory: MemorySampler

    @property
    def url(self) -> str:
        return self.process.url

    def memory_mb(self) -> dict[str, float]:
        now = self.memory.status_kb()
        return {
            "rss_steady_mb": round(now.get("VmRSS", 0) / 1000, 1),
            "rss_peak_sampled_mb": round(max(self.memory.peak_kb, now.get("VmRSS", 0)) / 1000, 1),
            "vm_hwm_mb": round(now.get("VmHWM", 0) / 1000, 1),
        }


def service_env(data_dir: Path, threads: int | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ACCORDS_")}
    if threads:
        env["ACCORDS_MODEL_THREADS"] = str(threads)
    for key in ("ACCORDS_ENCODER", "ACCORDS_MODEL_CACHE"):  # which runtime runs the model: as asked
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(
        ACCORDS_DATA_DIR=str(data_dir),
        HF_HUB_OFFLINE="1",
        ORT_DISABLE_TELEMETRY="1",
        ANONYMIZED_TELEMETRY="False",
        # One IP sends hundreds of requests a second here; the per-IP limit (60/minute) would refuse them.
        ACCORDS_RATE_LIMIT_IP="off",
    )
    return env


@contextmanager
def running_service(
    data_dir: Path, log_path: Path, threads: int | None, timeout: float = 900
) -> Iterator[Service]:
    """`accords serve` on a free port; yields once GET /ready answers 200; always stops it."""
    with ServiceProcess(log_path, service_env(data_dir, threads), cwd=ROOT) as process:
        memory = MemorySampler(process.pid)
        try:
            yield Service(process, process.wait_ready(timeout), memory)
        finally:
            memory.stop()


# ---- start-up: without and with the lexical snapshot ---------------------------------------------


def startup_comparison(
    data_dir: Path, questions: Sequence[str], options: Options, work: Path
) -> dict[str, Any]:
    """Start-up until /ready and memory: once "cold", with no lexical snapshot in the data dir (every
    passage fetched and tokenized, as every start was before snapshots), then `options.warm_starts` times
    "warm", from the snapshot the cold start wrote (on its way out at the latest). Memory at ready and
    after a few seconds of /chat. Start-up is the median of the runs, memory the largest."""
    shutil.rmtree(data_dir / "lexical", ignore_errors=True)
    runs: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
    for turn, kind in enumerate(["cold"] + ["warm"] * options.warm_starts):
        with running_service(data_dir, work / f"startup-{turn}-{kind}.log", options.threads) as service:
            figures = {"startup_s": round(service.startup_s, 2)}
            figures["rss_at_ready_mb"] = service.memory_mb()["rss_steady_mb"]
            chat_load(service.url, questions, WARM_UP_S, Latency("warm-up", 1))
            figures.update(service.memory_mb())
        log(f"start-up {kind}: {figures}")
        runs[kind].append(figures)
    summary: dict[str, Any] = {}
    for kind, measured in runs.items():
        if measured:
            summary[kind] = {key: max(run[key] for run in measured) for key in measured[0]}
            summary[kind]["startup_s"] = float(np.median([run["startup_s"] for run in measured]))
            summary[kind]["startup_runs_s"] = [run["startup_s"] for run in measured]
    if "warm" in summary:
        summary["warm_x_cold"] = {
            key: round(summary["warm"][key] / summary["cold"][key], 2)
            for key in ("startup_s", "rss_at_ready_mb", "rss_steady_mb", "vm_hwm_mb")
            if summary["cold"][key]
        }
    return summary


def print_startup(startup: dict[str, Any]) -> None:
    print("  start-up until /ready (median) and memory (largest); cold = no lexical snapshot:")
    for kind in ("cold", "warm"):
        if kind not in startup:
            continue
        row = startup[kind]
        runs = ", ".join(f"{s:.1f}" for s in row["startup_runs_s"])
        print(
            f"    {kind}: {row['startup_s']:.1f} s (runs: {runs}); "
            f"RSS at ready {row['rss_at_ready_mb']:,.0f} MB, after /chat {row['rss_steady_mb']:,.0f} MB, "
            f"VmHWM {row['vm_hwm_mb']:,.0f} MB"
        )
    if "warm_x_cold" in startup:
        ratios = ", ".join(f"{key} {value:.2f}x" for key, value in startup["warm_x_cold"].items())
        print(f"    warm / cold: {ratios}")


# ---- load: concurrent clients over HTTP (harness.chat_load) --------------------------------------


def chat_label(clients: int) -> str:
    return f"/chat, {clients} client{'s' if clients > 1 else ''}"


def measure(
    name: str, data_dir: Path, questions: Sequence[str], options: Options, work: Path
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Start the service and the baseline worker, warm both up, then run the baseline and each client
    count in turns of `duration / ROUNDS` seconds, so that drift and other processes' load fall on all of
    them alike. Returns (service figures, baseline figures, /chat figures per client count)."""
    duration = options.duration
    with (
        running_service(data_dir, work / f"service-{name}.log", options.threads) as service,
        dense_baseline(data_dir, work / f"baseline-{name}.log", options) as baseline,
    ):
        log(f"service ready in {service.startup_s:.1f} s; warming up")
        at_ready = service.memory_mb()
        baseline.run(questions, WARM_UP_S, Latency("warm-up", 1))
        for clients in CLIENTS:
            chat_load(service.url, questions, WARM_UP_S, Latency("warm-up", clients))
        baseline.embed_s.clear()
        baseline.query_s.clear()
        dense = Latency("dense-only baseline", 1)
        chats = [Latency(chat_label(clients), clients) for clients in CLIENTS]
        pids = (os.getpid(), service.process.pid, baseline.process.pid)
        log(
            f"baseline, then /chat with {', '.join(map(str, CLIENTS))} clients, {ROUNDS} rounds of "
            f"{duration / ROUNDS:.1f} s each"
        )
        for _ in range(ROUNDS):
            with watching_others(dense, pids):
                baseline.run(questions, duration / ROUNDS, dense)
            for tally in chats:
                with watching_others(tally, pids):
                    chat_load(service.url, questions, duration / ROUNDS, tally)
        figures = {"startup_s": round(service.startup_s, 2), "rss_at_ready_mb": at_ready["rss_steady_mb"]}
        figures.update(service.memory_mb())
    return figures, baseline.summary(dense), [tally.summary() for tally in chats]


# ---- phase B: synthetic passages through the store's own API ------------------------------------


class Babbler:
    """Passages of 3-6 sentences and 100-200 words drawn from the real corpus's words (by frequency)."""

    def __init__(self, words: Sequence[str], rng: np.random.Generator) -> None:
        self._words = list(words)
        self._rng = rng

    def passage(self) -> tuple[str, tuple[tuple[int, int], ...]]:
        count = int(self._rng.integers(3, 7))
        total = int(self._rng.integers(100, 201))
        lengths = self._rng.multinomial(total - 8 * count, [1 / count] * count) + 8
        picks = iter(self._rng.integers(0, len(self._words), total).tolist())
        sentences = []
        for length in lengths:
            text = " ".join(self._words[next(picks)] for _ in range(length))
            sentences.append(text[0].upper() + text[1:] + ".")
        spans, offset = [], 0
        for sentence in sentences:
            spans.append((offset, offset + len(sentence)))
            offset += len(sentence) + 1
        return " ".join(sentences), tuple(spans)


def perturbed(base: npt.NDArray[np.float32], noise: float, count: int, rng: np.random.Generator) -> Any:
    """`count` unit vectors around `base`: cosine ~ 1/sqrt(1 + noise^2) to it."""
    dimension = base.shape[-1]
    vectors = base + rng.standard_normal((count, dimension), dtype=np.float32) * (noise / np.sqrt(dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def synthetic_document(
    index: int, babbler: Babbler, kinds: Sequence[str], rng: np.random.Generator
) -> tuple[DocumentRecord, str, list[Chunk]]:
    chunks, offset = [], 0
    for seq in range(CHUNKS_PER_DOCUMENT):
        text, spans = babbler.passage()
        heading = f"Article {seq // 5 + 1}"
        chunks.append(Chunk(seq, text, offset, offset + len(text), heading, None, text, spans))
        offset += len(text) + 2
    document = "\n\n".join(chunk.text for chunk in chunks)
    year, month, day = int(rng.integers(2010, 2026)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    doc_id = f"synthetic/agreement-{index:05d}"
    record = DocumentRecord(
        doc_id=doc_id,
        version=hashlib.sha256(document.encode()).hexdigest(),
        title=f"Synthetic agreement {index}: {chunks[0].text[:40].rsplit(' ', 1)[0]}",
        date=f"{year:04d}-{month:02d}-{day:02d}",
        kind=kinds[int(rng.integers(0, len(kinds)))],
        url=f"https://example.org/{doc_id}",
        parties=(),
        chunks=len(chunks),
        source_path=f"/synthetic/{doc_id}.md",
        format="markdown",
        extra={"synthetic": True},
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return record, document, chunks


def build_synthetic(settings: StoreSettings, embedder: Embedder, total: int) -> dict[str, Any]:
    """Add `total` synthetic chunks (documents of 50) to the store; returns the build's figures."""
    rng = np.random.default_rng(SEED)
    store = open_store(settings, embedder)
    real = open_client(settings).get_collection(settings.collection).get(include=["embeddings", "documents"])
    topics = np.asarray(real["embeddings"], dtype=np.float32)
    babbler = Babbler(_WORD.findall(" ".join(real["documents"] or [])), rng)
    kinds = sorted({r.kind for r in store.documents().values() if r.kind}) or ["joint-statement"]
    documents = -(-total // CHUNKS_PER_DOCUMENT)
    began = time.perf_counter()
    write_seconds = 0.0
    for first in range(0, documents, DOCUMENTS_PER_WRITE):
        pairs, commits, vectors, sentence_vectors = [], [], [], []
        for index in range(first, min(first + DOCUMENTS_PER_WRITE, documents)):
            record, text, chunks = synthetic_document(index, babbler, kinds, rng)
            topic = topics[int(rng.integers(0, len(topics)))]
            chunk_vectors = perturbed(topic, 0.8, len(chunks), rng)  # cos ~0.78 to the topic
            for chunk, vector in zip(chunks, chunk_vectors, strict=True):
                pairs.append((record, chunk))
                sentence_vectors.append(perturbed(vector, 0.9, len(chunk.sentences), rng))
            vectors.append(chunk_vectors)
            commits.append((record, text))
        written = time.perf_counter()
        store.write_chunks(pairs, np.concatenate(vectors), sentence_vectors)
        store.commit(commits)
        write_seconds += time.perf_counter() - written
        if (first // DOCUMENTS_PER_WRITE) % 10 == 0:
            log(f"synthetic: {min(first + DOCUMENTS_PER_WRITE, documents) * CHUNKS_PER_DOCUMENT:,} chunks")
    figures = {
        "synthetic_documents": documents,
        "synthetic_chunks": documents * CHUNKS_PER_DOCUMENT,
        "store_chunks": store.chunk_count(),
        "build_seconds": round(time.perf_counter() - began, 1),
        "write_seconds": round(write_seconds, 1),
        "store_mb": round(_folder_bytes(settings.data_dir) / 1e6, 1),
    }
    close_http_clients()
    return figures


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


# ---- the two phases -----------------------------------------------------------------------------


def measure_phase(
    name: str, settings: StoreSettings, questions: Sequence[str], options: Options, work: Path
) -> dict[str, Any]:
    service, dense, loads = measure(name, settings.data_dir, questions, options, work)
    for load in loads:
        load["p50_x_baseline"] = round(load["p50_ms"] / dense["p50_ms"], 2)
        load["p95_x_baseline"] = round(load["p95_ms"] / dense["p95_ms"], 2)
    one_client = loads[0]
    goals = {
        f"p95_1_client_le_{GOAL_P95_MS[name]:.0f}_ms": {
            "value": one_client["p95_ms"],
            "goal": GOAL_P95_MS[name],
            "met": one_client["p95_ms"] <= GOAL_P95_MS[name],
        }
    }
    if name == "synthetic":
        rss = max(service["rss_peak_sampled_mb"], service["vm_hwm_mb"])
        goals["rss_le_800_mb"] = {"value": rss, "goal": GOAL_RSS_MB, "met": rss <= GOAL_RSS_MB}
    return {"baseline": dense, "chat": loads, "service": service, "goals": goals}


def ingest_real(corpus: Path, embedder: Embedder, work: Path) -> dict[str, Any]:
    settings = StoreSettings(data_dir=work / "real")
    log(f"real: ingesting {corpus}")
    summary = Ingestor(open_store(settings, embedder), embedder, settings).run([corpus])
    close_http_clients()
    return {
        "documents": summary.count("added"),
        "chunks": summary.chunks_written,
        "ingest_seconds": round(summary.seconds, 1),
    }


def phase_real(
    corpus: Path, questions: Sequence[str], embedder: Embedder, options: Options, work: Path
) -> dict[str, Any]:
    figures = ingest_real(corpus, embedder, work)
    settings = StoreSettings(data_dir=work / "real")
    return {"store": figures, **measure_phase("real", settings, questions, options, work)}


def phase_synthetic(
    questions: Sequence[str], embedder: Embedder, total: int, options: Options, work: Path
) -> dict[str, Any]:
    """The real store plus `total` synthetic passages, built in `work/synthetic` unless `--store` names a
    folder, where it is kept for the next run and reused when it is already there."""
    settings = StoreSettings(data_dir=options.store or work / "synthetic")
    if (settings.data_dir / "chroma").is_dir():
        log(f"synthetic: reusing the store in {settings.data_dir}")
        store = open_store(settings, embedder)
        figures: dict[str, Any] = {
            "reused": str(settings.data_dir),
            "store_chunks": store.chunk_count(),
            "store_mb": round(_folder_bytes(settings.data_dir / "chroma") / 1e6, 1),
        }
        del store
        close_http_clients()
    else:
        if not (work / "real").is_dir():
            ingest_real(options.corpus, embedder, work)
        shutil.copytree(work / "real", settings.data_dir)
        log(f"synthetic: adding {total:,} chunks")
        figures = build_synthetic(settings, embedder, total)
    phase: dict[str, Any] = {"store": figures}
    phase["startup"] = startup_comparison(settings.data_dir, questions, options, work)
    ready = phase["startup"].get("warm", phase["startup"]["cold"])
    phase["goals"] = {
        "startup_le_10_s": {
            "value": ready["startup_s"],
            "goal": GOAL_STARTUP_S,
            "met": ready["startup_s"] <= GOAL_STARTUP_S,
        },
        "startup_rss_le_800_mb": {
            "value": ready["vm_hwm_mb"],
            "goal": GOAL_RSS_MB,
            "met": ready["vm_hwm_mb"] <= GOAL_RSS_MB,
        },
    }
    if not options.startup_only:
        measured = measure_phase("synthetic", settings, questions, options, work)
        phase.update(measured, goals={**phase["goals"], **measured["goals"]})
    return phase


# ---- output -------------------------------------------------------------------------------------

_COLUMNS = [
    ("requests", "requests", "{:,}"),
    ("throughput_rps", "req/s", "{:.1f}"),
    ("p50_ms", "p50 ms", "{:.1f}"),
    ("p95_ms", "p95 ms", "{:.1f}"),
    ("p99_ms", "p99 ms", "{:.1f}"),
    ("errors", "errors", "{}"),
    ("bad", "bad", "{}"),
    ("found", "found", "{:,}"),
    ("p50_x_baseline", "p50 x", "{:.1f}x"),
    ("p95_x_baseline", "p95 x", "{:.1f}x"),
    ("others_cpus", "others", "{:.2f}"),
]


def print_phase(title: str, phase: dict[str, Any], store_line: str) -> None:
    print(f"\n{title}\n  {store_line}")
    if "startup" in phase:
        print_startup(phase["startup"])
    if "service" not in phase:  # --startup-only
        print_goals(phase["goals"])
        return
    print(f"  (others: CPUs other processes kept busy during each run, of {os.cpu_count()})")
    service = phase["service"]
    print(
        f"  service: start-up until /ready {service['startup_s']:.1f} s; RSS at ready "
        f"{service['rss_at_ready_mb']:,.0f} MB, steady after load {service['rss_steady_mb']:,.0f} MB, "
        f"peak sampled {service['rss_peak_sampled_mb']:,.0f} MB, VmHWM {service['vm_hwm_mb']:,.0f} MB"
    )
    print("  " + f"{'':<24}" + "".join(f"{label:>10}" for _, label, _ in _COLUMNS))
    for row in (phase["baseline"], *phase["chat"]):
        cells = "".join(f"{(fmt.format(row[key]) if key in row else '-'):>10}" for key, _, fmt in _COLUMNS)
        print(f"  {row['label']:<24}{cells}")
        if row["error_kinds"]:
            print(f"  {'':<24}errors by kind: {row['error_kinds']}")
    baseline = phase["baseline"]
    print(
        f"  baseline split (p50): embed {baseline['embed_p50_ms']:.1f} ms + "
        f"Chroma top-{TOP_K} {baseline['chroma_query_p50_ms']:.1f} ms"
    )
    for row in phase["chat"]:
        for q in ("p50", "p95"):
            print(
                f"  {q} /chat {row['clients']} client{'s' if row['clients'] > 1 else ''}: "
                f"{row[f'{q}_ms']:.1f} ms ({row[f'{q}_x_baseline']:.1f}x dense-only)"
            )
    print_goals(phase["goals"])


def print_goals(goals: dict[str, Any]) -> None:
    for name, goal in goals.items():
        verdict = "met" if goal["met"] else f"MISSED by {goal['value'] - goal['goal']:.1f}"
        print(f"  goal {name}: {goal['value']:.1f} (goal {goal['goal']:.0f}) -> {verdict}")


def print_report(report: dict[str, Any]) -> None:
    if "real" in report:
        real = report["real"]
        store = real["store"]
        print_phase(
            "Phase A - real corpus",
            real,
            f"{store['documents']} documents, {store['chunks']:,} chunks, ingest {store['ingest_seconds']} s",
        )
    if "synthetic" in report:
        synthetic = report["synthetic"]
        store = synthetic["store"]
        line = f"{store['store_chunks']:,} chunks; store on disk {store['store_mb']:,.0f} MB"
        if "reused" in store:
            line += f" (reused from {store['reused']})"
        else:
            line += (
                f" ({store['synthetic_chunks']:,} synthetic in {store['synthetic_documents']:,} documents); "
                f"build {store['build_seconds']} s (writes {store['write_seconds']} s)"
            )
        print_phase("Phase B - real corpus + synthetic passages", synthetic, line)
    print()


def _revision() -> str:
    """The commit measured, `-dirty` when the work tree has uncommitted changes."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


# ---- entry point --------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "agreements")
    parser.add_argument("--questions", type=Path, default=SHARED / "dev-qa.jsonl")
    parser.add_argument("--synthetic", type=int, default=100_000, help="synthetic chunks in phase B")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per timed run")
    parser.add_argument("--skip-synthetic", action="store_true", help="phase A only")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per model call in the service and the baseline (ACCORDS_MODEL_THREADS); default 1",
    )
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="keep phase B's store in this folder, and reuse it when it is already there",
    )
    parser.add_argument(
        "--startup-only",
        action="store_true",
        help="phase B's start-up and memory, without and with the lexical snapshot, only",
    )
    parser.add_argument(
        "--warm-starts", type=int, default=3, help="start-ups from the lexical snapshot after the cold one"
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON report")
    parser.add_argument("--baseline-worker", type=Path, metavar="DATA_DIR", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    for path, check in ((args.corpus, Path.is_dir), (args.questions, Path.is_file)):
        if not check(path):
            print(f"not found: {path}", file=sys.stderr)
            raise SystemExit(2)
    questions = load_questions(args.questions)
    if args.baseline_worker:
        baseline_worker(args.baseline_worker)
        return
    options = Options(
        duration=args.duration,
        threads=args.threads,
        corpus=args.corpus,
        store=args.store,
        startup_only=args.startup_only,
        warm_starts=args.warm_starts,
    )
    embedder = bundled_embedder(StoreSettings())  # ACCORDS_ENCODER=torch measures the torch runtime
    embedder.embed(["warm-up"])
    report: dict[str, Any] = {
        "revision": _revision(),
        "questions": len(questions),
        "duration_s": args.duration,
        "encoder": type(embedder).__name__,
        "model_threads": args.threads or 1,
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="accords-bench-query-") as tmp:
        work = Path(tmp)
        if not args.startup_only:
            report["real"] = phase_real(args.corpus, questions, embedder, options, work)
        if args.startup_only or (not args.skip_synthetic and args.synthetic > 0):
            report["synthetic"] = phase_synthetic(questions, embedder, args.synthetic, options, work)
    if not args.json:
        print_report(report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
