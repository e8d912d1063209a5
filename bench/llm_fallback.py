"""LLM fallback benchmark: how fast accords gives up on a language model, over real HTTP.

    .venv/bin/python -m bench.llm_fallback [--runs N]

Both figures use the scripted OpenAI-compatible server of the tests (harness/llm.py) and accords
itself under uvicorn on 127.0.0.1, over the bundled samples ingested with the fake embedder (the model
is not what is measured):

- timeout fallback: with ACCORDS_LLM_TIMEOUT_S=1 and a model that never answers, the time from POST
  /chat to the extractive answer (goal: <= the timeout + 1 s, i.e. <= 2 s);
- disconnect: a client reads /chat/stream until the first `delta` and hangs up while the model is still
  streaming; the time until the model's server sees its streaming response closed (goal: <= 2 s).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from harness import HashingEmbedder, ScriptedLLM, UvicornThread, disconnect_after_first_delta
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.app import create_app
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "When does the Northwater Basin Treaty enter into force?"


def timeout_fallback(settings: Settings, embedder: HashingEmbedder) -> float:
    with (
        UvicornThread(create_app(settings, embedder=embedder)) as accords,
        httpx.Client(base_url=accords.url, timeout=30, trust_env=False) as client,
    ):
        started = time.monotonic()
        answer = client.post("/chat", json={"question": QUESTION}).json()
        elapsed = time.monotonic() - started
    assert answer["degraded"] and answer["mode"] == "extractive", answer
    return elapsed


def disconnect_to_upstream_close(settings: Settings, embedder: HashingEmbedder, llm: ScriptedLLM) -> float:
    llm.calls.clear()
    llm.closed.clear()
    with UvicornThread(create_app(settings, embedder=embedder)) as accords:
        left = disconnect_after_first_delta(accords.url, QUESTION)
        assert llm.closed.wait(10), "the upstream request was never closed"
    (call,) = llm.answers()
    assert call.closed is not None and call.disconnected
    return call.closed - left


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    logging.basicConfig(level=logging.ERROR)
    embedder = HashingEmbedder()
    llm = ScriptedLLM()
    with tempfile.TemporaryDirectory() as tmp, UvicornThread(llm.app) as upstream:
        base = Settings(data_dir=Path(tmp) / "data", rate_limit_ip="off", _env_file=None)  # type: ignore[call-arg]
        Ingestor(open_store(base, embedder), embedder, base).run([ROOT / "samples"])
        url = upstream.url + "/v1"
        hang = base.model_copy(update={"llm_base_url": url, "llm_model": "hang", "llm_timeout_s": 1.0})
        slow = base.model_copy(update={"llm_base_url": url, "llm_model": "slow"})
        fallbacks = [timeout_fallback(hang, embedder) for _ in range(runs)]
        closes = [disconnect_to_upstream_close(slow, embedder, llm) for _ in range(runs)]
    print(f"timeout fallback (timeout 1 s, model never answers), {runs} runs:")
    print(
        f"  extractive answer after {statistics.median(fallbacks):.2f} s median, {max(fallbacks):.2f} s max"
    )
    print(f"  = {max(fallbacks) - 1.0:.2f} s after the timeout at worst (goal <= 1 s)")
    print(f"client disconnect -> upstream LLM connection closed, {runs} runs:")
    print(
        f"  {statistics.median(closes) * 1000:.0f} ms median, {max(closes) * 1000:.0f} ms max (goal <= 2 s)"
    )


if __name__ == "__main__":
    main()
