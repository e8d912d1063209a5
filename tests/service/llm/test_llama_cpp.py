"""The same path against a real model: llama.cpp's OpenAI-compatible server, when it is installed and a
GGUF model is at hand (`ACCORDS_TEST_GGUF=/path/model.gguf`, or `../shared/models/*.gguf`). Nothing is
downloaded; without both, the test skips."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from harness import free_port
from tests.conftest import ROOT
from tests.service.checks import parse_sse
from tests.service.llm.conftest import QUESTION

pytestmark = pytest.mark.slow


def gguf_model() -> Path | None:
    configured = os.environ.get("ACCORDS_TEST_GGUF")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    return next(iter(sorted((ROOT.parent / "shared" / "models").glob("*.gguf"))), None)


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model = gguf_model()
    if importlib.util.find_spec("llama_cpp") is None or model is None:
        pytest.skip("llama-cpp-python[server] or a GGUF model is not present")
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1"]
    with log.open("w") as sink:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--n_ctx", "4096"], stdout=sink, stderr=sink
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/models", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"llama.cpp server did not start:\n{log.read_text(errors='replace')}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_real_model_answers_with_citations(
    make_client: Callable[..., TestClient], llama_server: str
) -> None:
    client = make_client(llm_base_url=llama_server, llm_model="local", llm_timeout_s=120, llm_max_tokens=200)
    answer = client.post("/chat", json={"question": QUESTION}).json()
    assert (answer["mode"], answer["degraded"]) == ("llm", False), answer
    events = parse_sse(client.post("/chat/stream", json={"question": QUESTION}).text)
    assert [events[0][0], events[-1][0]] == ["sources", "done"]
    assert events[-1][1]["mode"] == "llm"
