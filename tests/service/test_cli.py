"""`accords ask` and `accords eval` in-process (Typer's runner) with the fake embedder; usage errors.

The same commands run for real (subprocess, bundled model) in test_cli_integration.py.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

import service.runtime
from harness import HashingEmbedder, free_port
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.cli import app, serving_message, source_lines
from service.schemas import AnswerSentence, ChatResponse, Source
from service.settings import Settings
from tests.conftest import SAMPLES
from tests.service.checks import check_chat_response
from tests.service.conftest import SAMPLE_IDS, service_settings
from tests.service.test_evaluation import METRICS, SAMPLES_QA


@pytest.fixture
def run(sample_data: Path, fake: HashingEmbedder, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `accords ARGS` over the sample store, with the fake embedder instead of the bundled model."""
    real_open_runtime = service.runtime.open_runtime

    def open_runtime(
        settings: Settings, embedder: Any = None, llm: Any = None, **options: Any
    ) -> service.runtime.Runtime:
        return real_open_runtime(settings, embedder or fake, llm, **options)

    monkeypatch.setattr(service.runtime, "open_runtime", open_runtime)

    def invoke(*args: str, data_dir: Path = sample_data, **overrides: Any) -> Result:
        settings = service_settings(data_dir, **overrides)
        return CliRunner().invoke(app, list(args), obj=settings, env={"COLUMNS": "400"})

    return invoke


def test_ask_prints_the_answer_and_its_cited_sources(run: Any) -> None:
    result = run("ask", "What is the minimum flow at the Keld gauging station?")
    assert result.exit_code == 0, result.output
    answer, listing = result.stdout.split("\n[1]", 1)
    assert "42 cubic metres per second" in answer and answer.endswith("[1]")
    first = ("[1]" + listing).strip().splitlines()[0]
    assert first.endswith(
        "] Treaty between the Republic of Aldermere and the Principality of Sarn on the Shared Waters of "
        "the Northwater Basin (2023-11-08, https://treaties.example.org/northwater-basin-treaty.pdf)"
    )


def test_ask_lists_each_cited_document_once_with_the_answers_numbers(run: Any) -> None:
    """Passages of one document share its line; numbers the answer does not use are not listed."""
    question = "What does the Northwater Basin Treaty say about water allocation and its purpose?"
    response = ChatResponse.model_validate_json(run("ask", question, "--json").stdout)
    result = run("ask", question)
    assert result.exit_code == 0, result.output
    listing = result.stdout.removeprefix(response.answer).strip().splitlines()
    cited = {n for sentence in response.sentences for n in sentence.sources}
    numbers, titles = zip(*(line.split(" ", 1) for line in listing), strict=True)
    listed = [
        int(n) for prefix in numbers for n in re.fullmatch(r"(?:\[\d+\])+", prefix)[0][1:-1].split("][")
    ]
    assert cited and sorted(listed) == sorted(cited) and len(set(titles)) == len(titles)
    by_id = {source.id: source for source in response.sources}
    assert len(listing) == len({by_id[n].document_id for n in cited})


def test_source_lines_merge_the_passages_of_one_document() -> None:
    def source(n: int, document: str, url: str | None) -> Source:
        fields = {"kind": None, "heading": None, "page": None, "text": "...", "start": 0, "end": 3}
        return Source(
            id=n,
            document_id=document,
            title=document.title(),
            url=url,
            date="2024-01-02",
            score=0.5,
            **fields,
        )

    sources = [source(1, "treaty", "https://t.example"), source(2, "memo", None), source(3, "treaty", None)]
    sources[2] = sources[2].model_copy(update={"url": "https://t.example"})
    sources.append(source(4, "memo", None))
    sentences = [AnswerSentence(start=0, end=6, sources=[1]), AnswerSentence(start=7, end=20, sources=[3, 4])]
    response = ChatResponse(
        answer="A. [1] B. [3][4]",
        found=True,
        conversation_id="c",
        mode="extractive",
        sources=sources,
        sentences=sentences,
    )
    assert source_lines(response) == [
        "[1][3] Treaty (2024-01-02, https://t.example)",
        "[4] Memo (2024-01-02)",
    ]
    uncited = response.model_copy(update={"sentences": []})  # a refusal: the closest, without numbers
    assert source_lines(uncited) == [
        "Closest passages (not cited):",
        "- Treaty (2024-01-02, https://t.example)",
        "- Memo (2024-01-02)",
    ]


def test_ask_continues_a_conversation_across_commands(run: Any, sample_data: Path) -> None:
    """Each `accords ask` is a process of its own: the conversation is kept in the data dir between them."""

    def ask(*args: str) -> dict[str, Any]:
        result = run("ask", "--json", *args)
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.stdout))

    first = ask("What is the minimum flow at the Keld gauging station?")
    treaty = first["sources"][0]["title"]
    alone = ask("When was that signed?")
    assert alone["sources"][0]["title"] != treaty  # on its own, "that" could be anything
    follow_up = ask("--conversation", first["conversation_id"], "When was that signed?")
    assert follow_up["conversation_id"] == first["conversation_id"]
    assert follow_up["sources"][0]["title"] == treaty
    assert (sample_data / "cli-conversations.json").exists()

    plain = run("ask", "What is the minimum flow at the Keld gauging station?")
    assert plain.exit_code == 0 and "ask a follow-up with --conversation " in plain.stderr
    assert "--conversation" not in plain.stdout  # the answer and its sources only
    assert run("ask", "--conversation", "", "When?").exit_code == 2  # an empty id is refused


def test_ask_on_an_empty_store_says_to_ingest_first(run: Any, tmp_path: Path) -> None:
    for args in (("ask", "What is the minimum flow?"), ("ask", "What is the minimum flow?", "--json")):
        result = run(*args, data_dir=tmp_path / "empty")
        assert result.exit_code == 4, result.output
        assert result.stdout == "" and "no documents" in result.stderr
        assert "accords ingest" in result.stderr.replace("\n", " ")


def test_version_prints_the_package_version(run: Any) -> None:
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"accords {service.__version__}\n")
    assert service.__version__ == version("accords")


def test_docs_prints_long_ids_whole(run: Any, tmp_path: Path, fake: HashingEmbedder) -> None:
    """On a narrow terminal too: the title gives way, the id is never cut, wrapped or ellipsized."""
    long_id = ("agreements/" + "-".join(["northwater-basin-treaty-annex"] * 5))[:120]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "annex.md").write_text(f"---\nid: {long_id}\ntitle: Annex\n---\n\nThe annex lists gauges.\n")
    settings = service_settings(tmp_path / "data")
    Ingestor(open_store(settings, fake), fake, settings).run([folder, SAMPLES])
    for columns in ("60", "80", "200"):
        result = CliRunner().invoke(app, ["docs"], obj=settings, env={"COLUMNS": columns})
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0].split() == ["id", "title", "date", "kind", "chunks", "content", "hash"]
        assert any(line.split()[:1] == [long_id] for line in lines), result.stdout
        for doc_id in SAMPLE_IDS:
            assert any(line.split()[:1] == [doc_id] for line in lines), (doc_id, result.stdout)
        assert lines[-1] == "8 documents"


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
    # Whether to refuse is the answer model's call (see `accords eval`); here the threshold forces it.
    result = run("ask", "What was the budget of the Aldermere space agency in 2019?", found_threshold=1.0)
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
    header, *rows = result.stdout.strip().split("\n\n")[0].splitlines()
    assert (
        header.split()
        == "type n doc_hit@k evidence_hit@k answer_hit refusal(unans.) false_refusal citations_valid".split()
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


# ---- accords serve, in this process: the real command, with the fake embedder, stopped after a few requests


def serve_once(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, fake: HashingEmbedder, paths: Sequence[str] = ()
) -> tuple[Result, int, list[int]]:
    """Run `accords serve` on a free port until it has answered GET `paths`; its result, port and statuses.

    The root logger and uvicorn's are as they were afterwards (`serve` configures them for the process).
    """
    import uvicorn

    import service.app

    real_create_app = service.app.create_app
    monkeypatch.setattr(service.app, "create_app", lambda settings: real_create_app(settings, embedder=fake))
    port, statuses = free_port(), []

    async def main_loop(server: uvicorn.Server) -> None:  # instead of waiting for Ctrl+C
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, trust_env=False, follow_redirects=True) as http:
            statuses.extend([(await http.get(path)).status_code for path in paths])

    monkeypatch.setattr(uvicorn.Server, "main_loop", main_loop)
    loggers = [logging.getLogger(name) for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    try:
        args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
        result = CliRunner().invoke(app, args, obj=settings)
    finally:
        for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
            logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
    return result, port, statuses


def test_serve_prints_where_it_serves(
    monkeypatch: pytest.MonkeyPatch, sample_data: Path, fake: HashingEmbedder
) -> None:
    result, port, statuses = serve_once(monkeypatch, service_settings(sample_data), fake, ["/", "/demo"])
    assert result.exit_code == 0, result.output
    assert statuses == [200, 200]  # / leads to the demo
    base = f"http://127.0.0.1:{port}"
    assert result.stdout == (
        f"accords is serving on {base} — demo: {base}/demo, API docs: {base}/docs, API: POST {base}/chat\n"
    )


def test_the_serving_message_of_every_interface_names_a_url_to_open() -> None:
    assert serving_message("0.0.0.0", 8000).startswith(
        "accords is serving on http://127.0.0.1:8000 (all interfaces) — demo: http://127.0.0.1:8000/demo,"
    )
    assert "API docs: http://[::1]:9000/docs" in serving_message("::", 9000)
    assert "demo: http://[fd00::5]:80/demo" in serving_message("fd00::5", 80)


def test_the_command_imports_no_runtime_nor_llm_client_until_one_runs() -> None:
    """`eval` and `tune` live in service.evaluation, which `accords --help` imports: it must stay light."""
    script = (
        "import sys\n"
        "import service.cli\n"
        "loaded = [m for m in ('service.runtime', 'service.chat', 'openai') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
