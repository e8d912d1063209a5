"""/chat latency while the service runs an ingest job (admin API), against idle, in the same run.

    .venv/bin/python -m bench.ingest_while_serving [--corpus DIR] [--questions FILE] [--idle S]
                                                   [--clients N] [--rounds R] [--json]

What is measured, and why:

- The corpus (default ../shared/corpus/agreements, else samples/) is ingested into a temp data dir in this
  process with the real model, and copies of it are put under a temp ingest root as `again-<n>/<folder>`:
  a job over `again-<n>` gives every document a new id (`<folder>/<name>`), so each job embeds the whole
  corpus once more - the worst case of a re-ingest, where the model is busy the whole time.
- The real service is started as a subprocess (`accords serve`, 127.0.0.1, a free port) with
  ACCORDS_ADMIN_TOKEN and ACCORDS_INGEST_ROOT. Then, `--rounds` times: `--clients` clients ask the
  corpus's questions back to back for `--idle` seconds with nothing else running (idle), then from the
  moment `POST /admin/ingest-jobs {"path": "again-<n>"}` is accepted until that job has succeeded
  (during). Alternating the two spreads this machine's drift, and other processes' load, over both.
- Printed: p50/p95/p99 of both, their ratio, errors (any non-200 is one), the jobs' chunks/s against the
  first (in-process, nothing else running) ingest of the same corpus - what serving costs the job - and
  how many CPUs other processes of the machine kept busy meanwhile (a shared machine skews everything).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from harness import cpu_seconds, serve
from ingest.embedders import bundled_embedder
from ingest.pipeline import Ingestor
from ingest.settings import StoreSettings
from ingest.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
TOKEN = "bench-admin-token-0123456789abcdef"
SAMPLE_QUESTIONS = [
    "What is the minimum flow at the Keld gauging station?",
    "When does the Northwater Basin Treaty enter into force?",
    "What is the capacity of the Skarholm offshore wind array?",
    "When will e-invoicing be interoperable?",
    "What is the herring quota for 2025?",
]


def log(message: str) -> None:
    print(f"[bench/ingest_while_serving] {message}", file=sys.stderr, flush=True)


class Load:
    """`clients` threads asking back to back until `done()`; latencies of 200s, count of the rest."""

    def __init__(self, url: str, questions: Sequence[str], clients: int) -> None:
        self.url, self.questions, self.clients = url, questions, clients
        self.samples: list[float] = []
        self.errors = 0
        self._stop = threading.Event()
        self._turn = 0
        self._lock = threading.Lock()

    def _next(self) -> str:
        with self._lock:
            self._turn += 1
            return self.questions[self._turn % len(self.questions)]

    def _client(self) -> None:
        with httpx.Client(base_url=self.url, timeout=120, trust_env=False) as http:
            while not self._stop.is_set():
                began = time.perf_counter()
                try:
                    ok = http.post("/chat", json={"question": self._next()}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with self._lock:
                    if ok:
                        self.samples.append(time.perf_counter() - began)
                    else:
                        self.errors += 1

    def run_until(self, done: Callable[[], bool]) -> float:
        threads = [threading.Thread(target=self._client) for _ in range(self.clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        while not done():
            time.sleep(0.05)
        self._stop.set()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began


class Phase:
    """One kind of measurement (idle, or during a job), accumulated over the rounds."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.errors = 0
        self.seconds = 0.0
        self.others_cpu_s = 0.0

    def measure(self, load: Load, done: Callable[[], bool], pids: Sequence[int]) -> None:
        busy, ours = cpu_seconds(pids)
        self.seconds += load.run_until(done)
        busy_after, ours_after = cpu_seconds(pids)
        self.others_cpu_s += max(0.0, (busy_after - busy) - (ours_after - ours))
        self.samples += load.samples
        self.errors += load.errors

    def figures(self) -> dict[str, Any]:
        ms = np.asarray(self.samples) * 1000 if self.samples else np.asarray([float("nan")])
        return {
            "requests": len(self.samples) + self.errors,
            "errors": self.errors,
            "seconds": round(self.seconds, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "others_cpus": round(self.others_cpu_s / self.seconds, 2) if self.seconds else 0.0,
        }


def job_runner(admin: httpx.Client, folder: str, jobs: list[dict[str, Any]]) -> Callable[[], bool]:
    """A `done()` for `Load.run_until` that starts the job on its first call and is true once it ended."""
    location: list[str] = []

    def done() -> bool:
        if not location:
            started = admin.post("/admin/ingest-jobs", json={"path": folder})
            assert started.status_code == 202, started.text
            location.append(started.headers["location"])
        job: dict[str, Any] = admin.get(location[0]).json()
        if job["status"] not in ("succeeded", "failed"):
            return False
        assert job["status"] == "succeeded", job
        jobs.append(job)
        return True

    return done


def service_env(data_dir: Path, ingest_root: Path) -> dict[str, str]:
    """The service's environment: this one without ACCORDS_*, plus the admin API over `ingest_root`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORDS_")}
    env.update(
        ACCORDS_DATA_DIR=str(data_dir),
        ACCORDS_ADMIN_TOKEN=TOKEN,
        ACCORDS_INGEST_ROOT=str(ingest_root),
        ACCORDS_RATE_LIMIT_IP="off",
        ACCORDS_MAX_CONCURRENT_ANSWERS="1000",
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    default_corpus = SHARED / "agreements" if (SHARED / "agreements").is_dir() else ROOT / "samples"
    parser.add_argument("--corpus", type=Path, default=default_corpus)
    parser.add_argument("--questions", type=Path, default=SHARED / "dev-qa.jsonl")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle load per round")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    questions = SAMPLE_QUESTIONS
    if options.questions.is_file() and options.corpus.resolve() != (ROOT / "samples").resolve():
        lines = options.questions.read_text(encoding="utf-8").splitlines()
        questions = [json.loads(line)["question"] for line in lines if line.strip()]
    idle, during, jobs = Phase(), Phase(), list[dict[str, Any]]()

    with tempfile.TemporaryDirectory(prefix="accords-bench-") as tmp:
        work = Path(tmp)
        settings = StoreSettings(data_dir=work / "data")
        embedder = bundled_embedder(StoreSettings())
        embedder.embed(["warm-up"])
        log(f"first ingest of {options.corpus} (in this process, nothing else running)")
        first = Ingestor(open_store(settings, embedder), embedder, settings).run([options.corpus])
        del embedder
        for n in range(options.rounds):
            shutil.copytree(options.corpus, work / "root" / f"again-{n}" / options.corpus.name)

        env = service_env(settings.data_dir, work / "root")
        with serve(work / "serve.log", env, cwd=ROOT) as service:  # `accords serve`, until /ready
            url, pids = service.url, (os.getpid(), service.pid)
            warm = Load(url, questions, options.clients)
            warm.run_until(lambda: len(warm.samples) + warm.errors >= 20)
            headers = {"Authorization": f"Bearer {TOKEN}"}
            with httpx.Client(base_url=url, timeout=60, trust_env=False, headers=headers) as admin:
                for n in range(options.rounds):
                    log(f"round {n + 1}/{options.rounds}: {options.idle:.0f} s idle, then during a job")
                    ends = time.perf_counter() + options.idle
                    idle.measure(
                        Load(url, questions, options.clients),
                        lambda ends=ends: time.perf_counter() >= ends,
                        pids,
                    )
                    during.measure(
                        Load(url, questions, options.clients), job_runner(admin, f"again-{n}", jobs), pids
                    )

    report = summarize(options, idle, during, jobs, first.chunks_written, first.seconds)
    if options.json:
        print(json.dumps(report, indent=2))
        return
    for label, key in (("idle", "idle"), ("during ingest", "during_ingest")):
        row = report[key]
        print(
            f"/chat {label:14} {row['requests']:5} requests  p50 {row['p50_ms']:7.1f} ms  "
            f"p95 {row['p95_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms  errors {row['errors']}  "
            f"(other processes kept {row['others_cpus']} CPUs busy)"
        )
    print(f"p95 during / idle: {report['p95_ratio_during_over_idle']}")
    done, alone = report["jobs"], report["first_ingest_alone"]
    print(
        f"jobs: {done['chunks']} chunks in {done['seconds']} s ({done['chunks_per_s']} chunks/s while "
        f"serving; the first ingest alone: {alone['chunks_per_s']} chunks/s)"
    )


def summarize(
    options: argparse.Namespace,
    idle: Phase,
    during: Phase,
    jobs: list[dict[str, Any]],
    first_chunks: int,
    first_seconds: float,
) -> dict[str, Any]:
    idle_figures, during_figures = idle.figures(), during.figures()
    chunks = sum(job["totals"]["chunks"] for job in jobs)
    seconds = sum(job["totals"]["seconds"] for job in jobs)
    return {
        "corpus": str(options.corpus),
        "clients": options.clients,
        "rounds": options.rounds,
        "idle": idle_figures,
        "during_ingest": during_figures,
        "p95_ratio_during_over_idle": round(during_figures["p95_ms"] / idle_figures["p95_ms"], 2),
        "jobs": {"chunks": chunks, "seconds": round(seconds, 1), "chunks_per_s": round(chunks / seconds, 1)},
        "first_ingest_alone": {
            "chunks": first_chunks,
            "seconds": round(first_seconds, 1),
            "chunks_per_s": round(first_chunks / first_seconds, 1),
        },
    }


if __name__ == "__main__":
    main()
