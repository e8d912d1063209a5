"""The servers behind the browser tests.

Host pages and the stub run as uvicorn threads (`harness.UvicornThread`) on sockets bound up front (so
every server knows the others' origins before any starts). The real service runs the way a user runs it:
`accords serve` in a subprocess (`harness.serve`), over a data dir ingested with the real embedding model
from `samples/` plus HOSTILE_DOC, a document whose text carries markup and links that must stay inert in
the widget. `create_key` is `accords keys create` while it runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from harness import run_accords
from ingest.embedders import Embedder
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_QUESTION = (
    "Within how many days shall the Parties exchange detained persons under the Velmora Exchange Protocol?"
)
HOSTILE_DOC = """---
title: 'Velmora Exchange Protocol <b onmouseover="window.__pwned=1">annotated</b>'
date: 2024-05-02
source: https://treaties.example.org/velmora-exchange-protocol
kind: '<svg onload=window.__pwned=1>'
id: velmora-exchange-protocol
---

# Velmora Exchange Protocol

## Article 9 — Exchange of detained persons <iframe src="http://evil.example/frame"></iframe>

The Parties shall exchange all detained persons within forty-five days of signature \
<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script> under \
[the schedule](javascript:window.__pwned=1) ![seal](http://evil.example/seal.png) of the Velmora Exchange \
Protocol.

The International Committee of the Red Cross shall supervise each exchange.
"""


def ingest_corpus(root: Path, embedder: Embedder) -> Path:
    """`samples/` plus the hostile document, ingested into `root/data`; returns the data dir."""
    corpus = root / "corpus"
    shutil.copytree(ROOT / "samples", corpus)
    (corpus / "velmora-exchange-protocol.md").write_text(HOSTILE_DOC, encoding="utf-8")
    settings = Settings(data_dir=root / "data", _env_file=None)  # type: ignore[call-arg]
    summary = Ingestor(open_store(settings, embedder), embedder, settings).run([corpus])
    assert summary.failed == 0, summary
    return settings.data_dir


def create_key(data_dir: Path, *args: str) -> str:
    """`accords keys create ARGS` while the service runs, as an operator would."""
    result = run_accords(data_dir, "keys", "create", *args, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
