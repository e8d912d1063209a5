"""The real `accords` command in a subprocess, as a user runs it, with an environment of its own.

Every command gets a clean environment (`accords_env`): none of the developer's ACCORDS_* variables (a
shell's settings must not change a test, or make it reach a network LLM), models offline, telemetry off.
In server mode (`pytest --store=server` sets ACCORDS_TEST_CHROMA_URL) every command runs against that
Chroma server, in a collection of its own per data dir (`store_settings` gives in-process code the same),
so the same tests check both store modes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.chroma import collection_for
from service.settings import Settings

ACCORDS = [sys.executable, "-c", "from service.cli import main; main()"]
SERVER_MODE_VARIABLE = "ACCORDS_TEST_CHROMA_URL"


def server_mode_env(data_dir: Path) -> dict[str, str]:
    """ACCORDS_CHROMA_URL and ACCORDS_COLLECTION for `data_dir` in server mode; nothing embedded."""
    url = os.environ.get(SERVER_MODE_VARIABLE)
    return {"ACCORDS_CHROMA_URL": url, "ACCORDS_COLLECTION": collection_for(data_dir)} if url else {}


def store_settings(data_dir: Path) -> Settings:
    """The settings a command run by `run_accords(data_dir, ...)` uses for its store."""
    server = server_mode_env(data_dir)
    return Settings(
        data_dir=data_dir,
        chroma_url=server.get("ACCORDS_CHROMA_URL"),
        collection=server.get("ACCORDS_COLLECTION", "accords"),
        _env_file=None,  # type: ignore[call-arg]
    )


def accords_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without ACCORDS_*, plus the data dir, the server mode and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORDS_")}
    env.update(
        ACCORDS_DATA_DIR=str(data_dir),
        HF_HUB_OFFLINE="1",
        ORT_DISABLE_TELEMETRY="1",
        ANONYMIZED_TELEMETRY="False",
        PYTHONWARNINGS="ignore",
    )
    env.update(server_mode_env(data_dir))
    env.update(extra)
    return env


def run_accords(
    data_dir: Path, *args: str, timeout: float = 600, **env: str
) -> subprocess.CompletedProcess[str]:
    """`accords ARGS` to the end; its exit code and output, whatever they are."""
    return subprocess.run(
        [*ACCORDS, *args],
        env=accords_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_accords(data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """`accords ARGS` started, its output on pipes (for commands that end by themselves)."""
    return subprocess.Popen(
        [*ACCORDS, *args],
        env=accords_env(data_dir, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
