"""Fixtures of the hostile-input suite: a real `accords serve` to attack, a locked-down second one, the CLI.

- ``target``: `accords serve` over a small store (a few `samples/` files, the XSS document, the canary
  memo) uploaded through its admin API, which also warms it up (every loader imported, one question
  answered) before its idle memory is read. It runs as an operator might deploy it: an admin token with
  the trailing newline of a mounted secret, an ingest root, `ACCORDS_ALLOWED_HOSTS`.
- ``locked``: a second `accords serve` (its own store, built by `accords ingest`) with site keys required,
  a per-IP rate limit and an LLM (the scripted `obey` model, which does what a planted instruction says).
- Both embed through the scripted embeddings server (hashed bags of words): no model to load, so the
  suite starts in seconds and memory figures are the service's own.

Every hostile request goes through ``target.attack`` (or ``locked.attack``), whose answers `tally.TALLY`
records; after each test the server's VmHWM is checked against its idle footprint and any 5xx fails the
test. The closing line (cases, 5xx, memory) is printed by `pytest_terminal_summary`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import (
    ACCORDS,
    ScriptedEmbeddings,
    ScriptedLLM,
    ServiceProcess,
    UvicornThread,
    accords_env,
    serve,
)
from service.access.sitekeys import SiteKeyStore
from tests.conftest import SAMPLES
from tests.service.admin_support import TOKEN, upload

from .builders import CANARY_MEMO, HOSTILE_DOC, write_files
from .tally import MB, PEAK_OVER_IDLE_BYTES, TALLY, run_measured

AUTH = {"Authorization": f"Bearer {TOKEN}"}
ALLOWED_HOST = "127.0.0.1"
LOCKED_IP_RATE = 10  # chat requests a minute per client IP on the locked server
CORPUS_FILES = ("northwater-basin-treaty.md", "aldermere-tessaly-fisheries-mou.docx")
WARM_UP_FILES = ("korvath-sarn-digital-trade-statement.html", "sarn-korvath-clean-energy-plan.pdf")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY.cases:
        terminalreporter.write_line(TALLY.summary())


@pytest.fixture(autouse=True)
def _bounds() -> Iterator[None]:
    """After every test: no 5xx was answered, and the server's peak memory stayed within the bound."""
    seen = len(TALLY.server_errors)
    yield
    assert TALLY.server_errors[seen:] == [], "server errors"
    over = TALLY.peak_over_idle()
    assert over <= PEAK_OVER_IDLE_BYTES, f"server peak {over / MB:.0f} MB over idle: {TALLY.summary()}"


def recorded_client(url: str) -> httpx.Client:
    """A client whose every answer is a case in the tally; timeouts, so a hang fails instead of stalling."""
    return httpx.Client(
        base_url=url,
        timeout=httpx.Timeout(30, connect=5),
        trust_env=False,
        event_hooks={"response": [TALLY.on_response]},
    )


@pytest.fixture(scope="session")
def embeddings_env() -> Iterator[dict[str, str]]:
    scripted = ScriptedEmbeddings()
    with UvicornThread(scripted.app) as thread:
        yield {"ACCORDS_EMBEDDINGS_URL": f"{thread.url}/v1", "ACCORDS_EMBEDDINGS_MODEL": "hash-64"}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sample files, the XSS document and the canary memo."""
    folder = write_files(
        tmp_path_factory.mktemp("hostile") / "corpus",
        {"velmora-exchange-protocol.md": HOSTILE_DOC, "ferry-memo.md": CANARY_MEMO},
    )
    for name in CORPUS_FILES:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


Snapshot = tuple[tuple[str, str, int], ...]


@dataclass(frozen=True)
class Target:
    server: ServiceProcess  # `server.http` is the suite's own, unrecorded client
    attack: httpx.Client
    data_dir: Path
    ingest_root: Path

    @property
    def url(self) -> str:
        return self.server.url

    def snapshot(self) -> Snapshot:
        """Every document's id, content hash and chunk count, as `/documents` lists them."""
        page = self.server.http.get("/documents", params={"limit": 500}).json()
        assert page["total"] <= 500
        return tuple(sorted((d["id"], d["content_hash"], d["chunks"]) for d in page["documents"]))

    @contextmanager
    def unchanged(self) -> Iterator[None]:
        """The store must be as it was after the block: for inputs that must be rejected."""
        before = self.snapshot()
        yield
        assert self.snapshot() == before, "a rejected input changed the store"


@pytest.fixture(scope="session")
def target(
    tmp_path_factory: pytest.TempPathFactory, embeddings_env: dict[str, str], corpus: Path
) -> Iterator[Target]:
    root = tmp_path_factory.mktemp("target")
    ingest_root = root / "ingest-root"
    ingest_root.mkdir()
    env = accords_env(
        root / "data",
        **embeddings_env,
        ACCORDS_ADMIN_TOKEN=f"{TOKEN}\n",  # as read from a mounted secret file
        ACCORDS_INGEST_ROOT=str(ingest_root),
        ACCORDS_ALLOWED_HOSTS=ALLOWED_HOST,
        ACCORDS_RATE_LIMIT_IP="off",
    )
    with serve(root / "serve.log", env, timeout=120) as server:
        files = [(p.name, p.read_bytes()) for p in sorted(corpus.iterdir())]
        files += [(name, (SAMPLES / name).read_bytes()) for name in WARM_UP_FILES]
        warm_up = upload(server.http, files, headers=AUTH)
        assert warm_up.status_code == 200 and warm_up.json()["added"] == len(files), warm_up.text
        assert server.chat("What is the minimum flow at the Keld gauging station?").status_code == 200
        TALLY.watch(server.pid)
        with recorded_client(server.url) as attack:
            yield Target(server, attack, root / "data", ingest_root)


@dataclass(frozen=True)
class Locked:
    server: ServiceProcess
    attack: httpx.Client
    site_key: str
    origin: str


def ingest_measured(data_dir: Path, folder: Path, env: dict[str, str], what: str) -> dict[str, Any]:
    """`accords ingest FOLDER --json` with its peak memory recorded in the tally; its summary."""
    command = [*ACCORDS, "ingest", str(folder), "--json"]
    finished = run_measured(command, accords_env(data_dir, **env), data_dir.parent / f"ingest-{what}")
    TALLY.cli_runs.append((what, finished.peak_rss))
    assert finished.returncode in (0, 1), finished.stderr[-3000:]  # 1: some files failed (reported)
    summary: dict[str, Any] = json.loads(finished.stdout)
    return summary


@pytest.fixture(scope="session")
def locked(
    tmp_path_factory: pytest.TempPathFactory, embeddings_env: dict[str, str], corpus: Path
) -> Iterator[Locked]:
    root = tmp_path_factory.mktemp("locked")
    summary = ingest_measured(root / "data", corpus, embeddings_env, "of the corpus")
    assert summary["added"] == len(list(corpus.iterdir())), summary
    origin = "https://partner.example.org"
    site_key = SiteKeyStore(root / "data" / "site-keys.json").create([origin]).key
    llm = ScriptedLLM()
    with UvicornThread(llm.app) as llm_server:
        env = accords_env(
            root / "data",
            **embeddings_env,
            ACCORDS_REQUIRE_SITE_KEY="true",
            ACCORDS_RATE_LIMIT_IP=f"{LOCKED_IP_RATE}/minute",
            ACCORDS_SITE_KEY_RATE="1000/minute",
            ACCORDS_LLM_BASE_URL=f"{llm_server.url}/v1",
            ACCORDS_LLM_MODEL="obey",
            ACCORDS_LLM_TIMEOUT_S="10",
        )
        with serve(root / "serve.log", env, timeout=120) as server, recorded_client(server.url) as attack:
            yield Locked(server, attack, site_key, origin)
