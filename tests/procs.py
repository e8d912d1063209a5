"""Run the real `accords` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ACCORDS = [sys.executable, "-c", "from service.cli import main; main()"]


def accords_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORDS_")}
    env.update(
        ACCORDS_DATA_DIR=str(data_dir),
        HF_HUB_OFFLINE="1",
        ORT_DISABLE_TELEMETRY="1",
        ANONYMIZED_TELEMETRY="False",
        PYTHONWARNINGS="ignore",
    )
    env.update(extra)
    return env


def run_accords(
    data_dir: Path, *args: str, timeout: float = 600, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ACCORDS, *args],
        env=accords_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_accords(data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ACCORDS, *args],
        env=accords_env(data_dir, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
