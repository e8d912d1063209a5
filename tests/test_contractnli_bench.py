"""`python -m bench.contractnli` on 3 of the 20 ContractNLI contracts, so the outside check cannot rot.

Runs the bench as a user does (a subprocess, the real model, a clean environment) and checks that its
report is whole and clears floors well under what it measured on these contracts (evidence 1.0, quotes
0.77 over 22 hypotheses with evidence): a broken gold-span mapping or a filter that leaks other
contracts fails, a one-question swing of the answer model does not. About 10 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness import accords_env

ROOT = Path(__file__).resolve().parents[1]
CONTRACTNLI = ROOT.parent / "shared" / "corpus" / "contractnli"

pytestmark = [pytest.mark.slow, pytest.mark.corpus]


def test_the_contractnli_bench_runs_and_clears_its_floors(tmp_path: Path) -> None:
    if not (CONTRACTNLI / "contractnli-test-subset-20.jsonl").is_file():
        pytest.skip("../shared/corpus/contractnli is not present")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.contractnli",
            "--corpus",
            str(CONTRACTNLI),
            "--contracts",
            "3",
            "--json",
        ],
        cwd=ROOT,
        env=accords_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["contracts"] == 3
    assert report["hypotheses"] == 3 * 17
    assert report["with_evidence"] + report["not_mentioned"] == report["hypotheses"]
    assert report["unmapped_gold_spans"] == 0  # every gold span is found in the loaded text
    figures = report["figures"]
    assert figures["evidence_at_k"] >= 0.85, report["misses"]["evidence"]
    assert figures["quotes_gold"] >= 0.5, report["misses"]["quote"]
    assert figures["found_with_evidence"] >= 0.8
    assert 0.0 <= figures["not_mentioned_refused"] <= 1.0
