"""`accords ask` and `accords eval` in-process (Typer's runner) with the fake embedder; usage errors.

The same commands run for real (subprocess, bundled model) in test_cli_integration.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import service.runtime
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.cli import app
from service.settings import Settings
from tests.fakes import HashingEmbedder
from tests.service.checks import check_chat_response
from tests.service.conftest import service_settings
from tests.service.test_evaluation import METRICS, SAMPLES_QA


@pytest.fixture
def run(sample_data: Path, fake: HashingEmbedder, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `accords ARGS` over the sample store, with the fake embedder instead of the bundled model."""
    real_open_runtime = service.runtime.open_runtime

    def open_runtime(settings: Settings, embedder: Any = None, llm: Any = None) -> service.runtime.Runtime:
        return real_open_runtime(settings, embedder or fake, llm)

    monkeypatch.setattr(service.runtime, "open_runtime", open_runtime)

    def invoke(*args: str, data_dir: Path = sample_data) -> Result:
        settings = service_settings(data_dir)
        return CliRunner().invoke(app, list(args), obj=settings, env={"COLUMNS": "400"})

    return invoke


def test_ask_prints_the_answer_and_its_numbered_sources(run: Any) -> None:
    result = run("ask", "What is the minimum flow at the Keld gauging station?")
    assert result.exit_code == 0, result.output
    answer, listing = result.stdout.split("\n[1] ", 1)
    assert "42 cubic metres per second" in answer and answer.endswith("[1]")
    sources = ["[1] " + line for line in listing.strip().splitlines()[:1]] + listing.strip().splitlines()[1:]
    assert len(sources) == 5 and all(line.startswith(f"[{n}] ") for n, line in enumerate(sources, start=1))
    assert sources[0] == (
        "[1] Treaty between the Republic of Aldermere and the Principality of Sarn on the Shared Waters of "
        "the Northwater Basin (2023-11-08, https://treaties.example.org/northwater-basin-treaty.pdf)"
    )


def test_ask_json_prints_the_chat_response(run: Any) -> None:
    result = run("ask", "How much will Canada provide under the coastal resilience partnership?", "--json")
    assert result.exit_code == 0, result.output
    response = check_chat_response(json.loads(result.stdout))
    assert response.found and "CAD $420 million" in response.answer
    top_1 = check_chat_response(
        json.loads(run("ask", "What does PGII stand for?", "--json", "--top-k", "1").stdout)
    )
    assert len(top_1.sources) <= 1


def test_ask_says_when_the_documents_do_not_answer(run: Any) -> None:
    result = run("ask", "What was the budget of the Aldermere space agency in 2019?")
    assert result.exit_code == 0
    assert result.stdout.startswith("The documents do not contain an answer") and "[1]" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", ""), "at least 1 character"),
        (("ask", "   "), "blank"),
        (("ask", "q" * 2001), "at most 2000"),
        (("ask", "What?", "--top-k", "0"), "--top-k"),
        (("ask", "What?", "--top-k", "21"), "--top-k"),
        (("ask",), "Missing argument 'question'"),
        (("eval",), "Missing argument 'qa_file'"),
        (("eval", str(SAMPLES_QA), "--k", "0"), "--k"),
    ],
)
def test_usage_errors_exit_with_2(run: Any, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_eval_json_reports_every_metric_by_type(run: Any) -> None:
    result = run("eval", str(SAMPLES_QA), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == METRICS | {"by_type", "questions_detail"}
    assert report["questions"] == 11 and len(report["questions_detail"]) == 11
    assert set(report["by_type"]) == {
        "factoid",
        "paraphrase",
        "date",
        "list",
        "version",
        "followup",
        "unanswerable",
    }
    for metrics in [report, *report["by_type"].values()]:
        assert set(metrics) >= METRICS
        for key in METRICS - {"questions", "latency_p50_ms", "latency_p95_ms"}:
            assert metrics[key] is None or 0.0 <= metrics[key] <= 1.0
    assert report["doc_hit_at_k"] >= 0.7  # the fake embedder finds most documents by their words
    detail = report["questions_detail"][1]
    assert detail["id"] == "s02" and detail["answer_hit"] is True and "42" in detail["answer"]


def test_eval_prints_a_table(run: Any) -> None:
    result = run("eval", str(SAMPLES_QA), "--k", "3")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.strip().splitlines()
    assert (
        header.split()
        == "type n doc_hit@k evidence_hit@k answer_hit refusal(unans.) false_refusal".split()
        + ["p50", "ms", "p95", "ms"]
    )
    assert [row.split()[0] for row in rows] == [
        "all", "date", "factoid", "followup", "list", "paraphrase", "unanswerable", "version"
    ]  # fmt: skip
    assert rows[0].split()[1] == "11"


@pytest.mark.parametrize(
    ("content", "message"),
    [("{broken\n", "qa.jsonl:1: not JSON"), ('{"question": "What?", "answers": "42"}\n', "qa.jsonl:1:")],
)
def test_eval_names_a_bad_line_and_exits_with_2(run: Any, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(content)
    result = run("eval", str(path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_eval_of_a_missing_file_exits_with_2(run: Any, tmp_path: Path) -> None:
    result = run("eval", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_ask_prints_brackets_in_documents_as_they_are(
    run: Any, tmp_path: Path, fake: HashingEmbedder
) -> None:
    """Quotes and titles are text, not Rich markup: "[sic]" stays, "[/]" does not crash the command."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "memo.md").write_text(
        "---\ntitle: Memo [draft] on [b]ports[/b]\ndate: 2024-01-02\n---\n\n"
        "The harbour masters of Velmora agree [sic] to meet every spring [/] in Port Ellery.\n"
    )
    settings = service_settings(tmp_path / "data")
    Ingestor(open_store(settings, fake), fake, settings).run([folder])
    result = run("ask", "What did the harbour masters of Velmora agree to do?", data_dir=settings.data_dir)
    assert result.exit_code == 0, result.output
    assert "agree [sic] to meet every spring [/] in Port Ellery. [1]" in result.stdout
    assert "[1] Memo [draft] on [b]ports[/b] (2024-01-02)" in result.stdout
