"""Load test: POST /chat at 1, 8 and 32 concurrent clients, with the embedded store and with a Chroma server.

    .venv/bin/python -m bench.load [--corpus DIR] [--questions FILE] [--duration S] [--clients 1,8,32]
                                   [--modes embedded,server] [--max-concurrent N] [--json]
    .venv/bin/python -m bench.load --replicas 1,3 [--clients 8,32] [--duration S] [--json]

What it does, and why:

- The corpus (default ../shared/corpus/agreements, else samples/) is ingested with the real model into a
  temp store, once per mode: in-process for the embedded store, and through a `chroma run` server on a
  free port of 127.0.0.1 for server mode (so the server's write path is exercised too). Then the real
  service (`accords serve`, default settings but no per-IP rate limit: one address sends everything
  here) is started over it and questions (the dev questions, else the samples' QA file) are posted, cycled,
  for `--duration` seconds per client count, after a short warm-up.
- Clients behave like well-behaved ones under overload: each posts its next question as soon as its last
  answer came back, and after a 503 (the concurrency cap, `ACCORDS_MAX_CONCURRENT_ANSWERS`, 16 by
  default) it waits for the `Retry-After` it was given. 503s are counted apart; latency percentiles and
  throughput are over the answered (200) requests only, as a client sees them over HTTP.
- Everything runs on this machine, so the clients and (in server mode) the Chroma server compete with the
  service for the same cores; `others` is how many CPUs other processes kept busy meanwhile, because a
  shared machine's neighbours move every figure.
- `--replicas 1,3`: one `chroma run`, the corpus ingested through it once, then 1 and then 3 `accords serve`
  processes on it (one data dir, as the compose file's replicas), asked in turn request by request (a
  round-robin balancer in the client, `harness.chat_load`), and throughput and p95 printed side by side,
  with the ratio to one replica. On one machine replicas share its cores: this measures what several
  processes gain over one process's GIL and its concurrency cap, not what more machines would.

The service, the Chroma server and the load loop (questions, latency figures, answer checks, CPU
accounting) are `harness`'s, shared with `bench/query.py` and the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import (
    ChromaServer,
    Latency,
    ServiceProcess,
    chat_load,
    close_http_clients,
    load_questions,
    serve,
    watching_others,
)
from ingest.embedders import Embedder, bundled_embedder
from ingest.pipeline import Ingestor
from ingest.settings import StoreSettings
from ingest.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
WARM_UP_S = 3.0
MAX_WAIT_S = 5.0  # the longest Retry-After a client honours


def log(message: str) -> None:
    print(f"[bench/load] {message}", file=sys.stderr, flush=True)


def service_env(data_dir: Path, chroma_url: str | None, cap: int | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ACCORDS_")}
    env.update(
        ACCORDS_DATA_DIR=str(data_dir),
        ACCORDS_RATE_LIMIT_IP="off",
        ACCORDS_LOG_LEVEL="WARNING",  # one access line per request would cost the service CPU
        HF_HUB_OFFLINE="1",
        ORT_DISABLE_TELEMETRY="1",
        ANONYMIZED_TELEMETRY="False",
    )
    if chroma_url:
        env["ACCORDS_CHROMA_URL"] = chroma_url
    if cap:
        env["ACCORDS_MAX_CONCURRENT_ANSWERS"] = str(cap)
    return env


def measure(
    url: str | Sequence[str],
    pids: Sequence[int],
    questions: Sequence[str],
    clients: Sequence[int],
    duration: float,
) -> list[dict[str, Any]]:
    for count in sorted(set(clients)):
        chat_load(url, questions, WARM_UP_S, Latency("warm-up", count), MAX_WAIT_S)
    rows = []
    for count in clients:
        tally = Latency(f"{count} clients", count)
        with watching_others(tally, pids):
            chat_load(url, questions, duration, tally, MAX_WAIT_S)
        summary = tally.summary()
        answered = len(tally.samples)
        summary.update(
            answered=answered,
            answered_rps=round(answered / tally.seconds, 1),
            rejected_503=tally.error_kinds.get("503", 0),
            other_errors=tally.errors - tally.error_kinds.get("503", 0),
        )
        rows.append(summary)
        log(f"{count} clients: {answered} answered, {summary['rejected_503']} 503")
    return rows


def run_mode(
    mode: str,
    corpus: Path,
    questions: Sequence[str],
    args: argparse.Namespace,
    work: Path,
    embedder: Embedder,
) -> dict[str, Any]:
    data_dir = work / mode
    server = ChromaServer(work / f"{mode}-chroma", work / f"{mode}-chroma.log") if mode == "server" else None
    try:
        chroma_url = None
        if server is not None:
            log(f"server: chroma run started in {server.start():.1f} s at {server.url}")
            chroma_url = server.url
        settings = StoreSettings(data_dir=data_dir, chroma_url=chroma_url)
        log(f"{mode}: ingesting {corpus}")
        summary = Ingestor(open_store(settings, embedder), embedder, settings).run([corpus])
        close_http_clients()  # the service opens the store next
        pids = [os.getpid()] + ([server.process.pid] if server and server.process else [])
        env = service_env(data_dir, chroma_url, args.max_concurrent)
        with serve(work / f"{mode}-service.log", env, timeout=300, cwd=ROOT) as service:
            rows = measure(service.url, [*pids, service.pid], questions, args.clients, args.duration)
    finally:
        if server is not None:
            server.kill()
    ingest = {
        "documents": summary.count("added"),
        "chunks": summary.chunks_written,
        "seconds": round(summary.seconds, 1),
    }
    return {"mode": mode, "ingest": ingest, "loads": rows}


def run_replicas(
    counts: Sequence[int],
    corpus: Path,
    questions: Sequence[str],
    args: argparse.Namespace,
    work: Path,
    embedder: Embedder,
) -> dict[str, Any]:
    """The corpus ingested once through one Chroma server, then each count of replicas measured on it."""
    data_dir = work / "replicas"
    server = ChromaServer(work / "replicas-chroma", work / "replicas-chroma.log")
    runs = []
    try:
        log(f"replicas: chroma run started in {server.start():.1f} s at {server.url}")
        settings = StoreSettings(data_dir=data_dir, chroma_url=server.url)
        log(f"replicas: ingesting {corpus}")
        summary = Ingestor(open_store(settings, embedder), embedder, settings).run([corpus])
        close_http_clients()
        env = service_env(data_dir, server.url, args.max_concurrent)
        for count in counts:
            with contextlib.ExitStack() as stack:
                replicas = [
                    stack.enter_context(ServiceProcess(work / f"replica-{count}-{n}.log", env, cwd=ROOT))
                    for n in range(count)
                ]
                ready = [replica.wait_ready(300) for replica in replicas]
                log(f"{count} replica(s) ready in {', '.join(f'{s:.1f}' for s in ready)} s")
                pids = [os.getpid(), *(r.pid for r in replicas)] + (
                    [server.process.pid] if server.process else []
                )
                urls = [replica.url for replica in replicas]
                runs.append(
                    {"replicas": count, "loads": measure(urls, pids, questions, args.clients, args.duration)}
                )
    finally:
        server.kill()
    ingest = {"documents": summary.count("added"), "chunks": summary.chunks_written}
    return {"mode": "replicas", "ingest": ingest, "runs": runs}


def print_replicas(report: dict[str, Any]) -> None:
    result = report["replicas"]
    runs = result["runs"]
    ingest = result["ingest"]
    print(
        f"\n/chat over replicas on one Chroma server: {report['duration_s']:.0f} s per run, {report['cpus']} "
        f"CPUs, {ingest['documents']} documents, {ingest['chunks']} chunks (round robin in the client)"
    )
    header = "".join(
        f"{run['replicas']:>6} x ans/s{run['replicas']:>6} x p95 ms{run['replicas']:>6} x 503" for run in runs
    )
    print(f"  {'clients':>7}{header}   ans/s ratio   p95 ratio (last / first)")
    for index, count in enumerate(report["clients"]):
        rows = [run["loads"][index] for run in runs]
        cells = "".join(
            f"{row['answered_rps']:>14.1f}{row['p95_ms']:>15.1f}{row['rejected_503']:>12,}" for row in rows
        )
        first, last = rows[0], rows[-1]
        ratio = last["answered_rps"] / first["answered_rps"] if first["answered_rps"] else float("nan")
        p95 = last["p95_ms"] / first["p95_ms"] if first["p95_ms"] else float("nan")
        errors = sum(row["other_errors"] + row["bad"] for row in rows)
        print(f"  {count:>7}{cells}{ratio:>13.2f}x{p95:>11.2f}x   (errors + bad: {errors})")
    print()


_COLUMNS = [
    ("answered", "answered", "{:,}"),
    ("answered_rps", "ans/s", "{:.1f}"),
    ("p50_ms", "p50 ms", "{:.1f}"),
    ("p95_ms", "p95 ms", "{:.1f}"),
    ("p99_ms", "p99 ms", "{:.1f}"),
    ("rejected_503", "503", "{:,}"),
    ("other_errors", "errors", "{}"),
    ("bad", "bad", "{}"),
    ("others_cpus", "others", "{:.2f}"),
]


def print_report(report: dict[str, Any]) -> None:
    print(f"\n/chat load: {report['duration_s']:.0f} s per run, {report['cpus']} CPUs, {report['corpus']}")
    for run in report["runs"]:
        ingest = run["ingest"]
        documents, chunks = ingest["documents"], ingest["chunks"]
        print(f"  {run['mode']}: {documents} documents, {chunks} chunks, ingested in {ingest['seconds']} s")
    print("  " + f"{'clients':>7}  {'mode':<9}" + "".join(f"{label:>10}" for _, label, _ in _COLUMNS))
    for index, count in enumerate(report["clients"]):
        for run in report["runs"]:
            row = run["loads"][index]
            cells = "".join(f"{fmt.format(row[key]):>10}" for key, _, fmt in _COLUMNS)
            print(f"  {count:>7}  {run['mode']:<9}{cells}")
    print()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--questions", type=Path, default=None)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per client count")
    parser.add_argument("--clients", type=lambda s: [int(n) for n in s.split(",")], default=[1, 8, 32])
    parser.add_argument("--modes", type=lambda s: s.split(","), default=["embedded", "server"])
    parser.add_argument("--max-concurrent", type=int, default=None, help="ACCORDS_MAX_CONCURRENT_ANSWERS")
    parser.add_argument(
        "--replicas",
        type=lambda s: [int(n) for n in s.split(",")],
        default=None,
        help="replica counts on one Chroma server, e.g. 1,3 (instead of --modes)",
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON report")
    args = parser.parse_args(argv)
    shared = (SHARED / "agreements").is_dir() and (SHARED / "dev-qa.jsonl").is_file()
    corpus = args.corpus or (SHARED / "agreements" if shared else ROOT / "samples")
    qa = args.questions or (
        SHARED / "dev-qa.jsonl" if shared else ROOT / "tests/service/data/samples-qa.jsonl"
    )
    questions = load_questions(qa)
    report: dict[str, Any] = {
        "corpus": str(corpus), "questions": len(questions), "duration_s": args.duration,
        "clients": args.clients, "cpus": os.cpu_count(), "max_concurrent": args.max_concurrent, "runs": [],
    }  # fmt: skip
    embedder = bundled_embedder(StoreSettings())
    with tempfile.TemporaryDirectory(prefix="accords-bench-load-") as tmp:
        if args.replicas:
            report["replicas"] = run_replicas(args.replicas, corpus, questions, args, Path(tmp), embedder)
        else:
            for mode in args.modes:
                report["runs"].append(run_mode(mode, corpus, questions, args, Path(tmp), embedder))
    if not args.json:
        if args.replicas:
            print_replicas(report)
        else:
            print_report(report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
