"""The `accords` command: one Typer app; settings are built here once and passed down."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

import ingest.cli
from ingest.embedders import EmbeddingsUnavailable
from ingest.settings import StoreSettings
from ingest.store import StoreMismatch, StoreUnavailable
from service.access.cli import keys_app
from service.owner.cli import db_app, report_app
from service.settings import Settings

if TYPE_CHECKING:
    from service.evaluation import Outcome
    from service.runtime import Runtime
    from service.schemas import ChatRequest, ChatResponse

app = typer.Typer(
    name="accords",
    help="Answers questions over agreement documents and cites the exact passages it used.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
EXIT_STORE = 4


def _print_version(value: bool) -> None:
    if value:
        from service import __version__

        typer.echo(f"accords {__version__}")
        raise typer.Exit()


@app.callback()
def _configure(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    if ctx.obj is None:  # tests pass their own settings through CliRunner(obj=...)
        ctx.obj = Settings()


def _signal_replicas(settings: StoreSettings) -> None:
    """After `accords ingest`: with shared state, every running replica refreshes its view at once."""
    redis_url = getattr(settings, "redis_url", None)
    if redis_url:
        from service.shared import STORE, publish_now

        publish_now(redis_url, STORE)


ingest.cli.register(app, after_write=_signal_replicas)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(report_app, name="report")


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings), "the callback puts the settings in the context"
    return settings


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: ACCORDS_HOST or 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: ACCORDS_PORT or 8000).")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from service.app import create_app
    from service.http import SERVER_LIMITS, logs

    settings = _settings(ctx)
    logs.configure(settings.log_level, settings.log_format)  # text on a terminal, else JSON lines
    config = uvicorn.Config(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go to the handler configured above
        # X-Forwarded-For is believed only from ACCORDS_TRUSTED_PROXIES (the per-IP rate limits use it).
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or None,
        **SERVER_LIMITS,  # h11, whose request head is bounded (64 KiB); httptools takes any size
    )

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and not self.should_exit:  # model loaded, port bound: say where to go
                typer.echo(serving_message(config.host, config.port))

    Server(config).run()


def serving_message(host: str, port: int) -> str:
    """The line `accords serve` prints on stdout once it answers (its logs go to stderr)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    where = f"{base} (all interfaces)" if shown != host else base
    return f"accords is serving on {where} — demo: {base}/demo, API docs: {base}/docs, API: POST {base}/chat"


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question.")],
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=20, help="Number of sources.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the /chat response as JSON.")] = False,
) -> None:
    """Answer one question from the store and list its numbered sources."""
    from pydantic import ValidationError

    from service.schemas import ChatRequest

    try:
        request = ChatRequest(question=question, top_k=top_k)
    except ValidationError as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(error.errors()[0]['msg'])}")
        raise typer.Exit(2) from None
    settings = _settings(ctx)
    try:
        response = asyncio.run(_ask(settings, request))
    except (StoreUnavailable, StoreMismatch, EmbeddingsUnavailable) as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(EXIT_STORE) from None
    if response is None:
        Console(stderr=True, soft_wrap=True).print(
            f"[red]error:[/red] no documents in the store ({escape(str(settings.data_dir))}): add some "
            "first with `accords ingest PATH`, e.g. `accords ingest samples`",
            highlight=False,
        )
        raise typer.Exit(EXIT_STORE)
    if as_json:
        typer.echo(response.model_dump_json(indent=2))
        return
    console = Console(soft_wrap=True)  # one source a line, quotes unbroken, whatever the width
    console.print(response.answer, highlight=False, markup=False)  # quotes may hold "[sic]", "[/]"
    for line in source_lines(response):
        console.print(line, highlight=False, markup=False)


def source_lines(response: ChatResponse) -> list[str]:
    """One line per cited document, with every [n] of it the answer uses: "[1][3] Title (date, url)".

    The numbers are the answer's own; sources the answer does not cite are left out (`--json` has them all),
    and passages of one document share its line. A refusal cites nothing: its closest documents are listed
    under "Closest passages (not cited):", without numbers.
    """
    cited = {n for sentence in response.sentences for n in sentence.sources}
    if not cited:
        closest = dict.fromkeys(
            (s.title, ", ".join(part for part in (s.date, s.url) if part)) for s in response.sources
        )
        lines = [f"- {title}" + (f" ({details})" if details else "") for title, details in closest]
        return ["Closest passages (not cited):", *lines] if lines else []
    sources = [source for source in response.sources if source.id in cited]
    numbers: dict[tuple[str, str, str | None, str | None], list[int]] = {}
    for source in sorted(sources, key=lambda source: source.id):
        numbers.setdefault((source.document_id, source.title, source.date, source.url), []).append(source.id)
    lines = []
    for (_, title, date, url), ids in numbers.items():
        details = ", ".join(part for part in (date, url) if part)
        lines.append("".join(f"[{n}]" for n in ids) + f" {title}" + (f" ({details})" if details else ""))
    return lines


@app.command("eval")
def evaluate_command(
    ctx: typer.Context,
    qa_file: Annotated[Path, typer.Argument(help="QA file, one JSON object a line (dev-qa.jsonl format).")],
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="Sources per answer.")] = 5,
    folds: Annotated[
        int,
        typer.Option(
            "--folds",
            min=0,
            max=20,
            help="Cross-validate: fit the answer model on the file's other folds (by document) for each "
            "fold, instead of answering with the shipped model.",
        ),
    ] = 0,
    fail_under: Annotated[
        float | None, typer.Option("--fail-under", min=0, max=1, help="Exit 1 if answer_hit is below this.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run a QA file through the /chat code path and print retrieval and answer metrics, and every miss."""
    from service.evaluation import EvalFileError, load_questions, summarize

    try:
        questions = load_questions(qa_file)
        if folds:
            outcomes = _cross_validate(_settings(ctx), questions, k, folds)
        else:
            outcomes = asyncio.run(_evaluate(_settings(ctx), questions, k))
    except EvalFileError as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    except (StoreUnavailable, StoreMismatch, EmbeddingsUnavailable) as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(EXIT_STORE) from None
    report = summarize(outcomes)
    if as_json:
        report["questions_detail"] = [_as_dict(o) for o in outcomes]
        typer.echo(json.dumps(report, indent=2))
    else:
        _print_report(report)
        _print_misses(outcomes)
    if fail_under is not None and (report["answer_hit"] or 0.0) < fail_under:
        Console(stderr=True).print(f"answer_hit {report['answer_hit']} is below {fail_under}")
        raise typer.Exit(1)


@app.command()
def tune(
    ctx: typer.Context,
    qa_file: Annotated[Path, typer.Argument(help="Training questions (dev-qa.jsonl format).")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write the model (default: the shipped one).")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="Sources per answer.")] = 5,
) -> None:
    """Fit the answer model on a QA file, over the documents in the store, and write it (deterministic)."""
    import hashlib

    from service.answer.model import MODEL_FILE
    from service.evaluation import EvalFileError, load_questions
    from service.evaluation import tune as fit_model

    try:
        questions = load_questions(qa_file)
        with _fitting_runtime(_settings(ctx)) as runtime:
            provenance = {
                "questions": len(questions),
                "qa_file": qa_file.name,
                "qa_sha256": hashlib.sha256(qa_file.read_bytes()).hexdigest(),
                "documents": len(runtime.view.catalog.documents),
                "embedding_model": runtime.embedder.model_name,
                "command": f"accords tune {qa_file.name}",
            }
            model = fit_model(runtime.engine, questions, k, provenance)
    except EvalFileError as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    except (StoreUnavailable, StoreMismatch, EmbeddingsUnavailable) as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(EXIT_STORE) from None
    target = out or MODEL_FILE
    model.save(target)
    typer.echo(
        f"wrote {target}: {len(questions)} questions, found threshold {model.found_threshold:.3f}, "
        f"up to {model.support.max_sentences} sentences"
    )


def _cross_validate(settings: Settings, questions: list[dict[str, Any]], k: int, folds: int) -> list[Outcome]:
    from service.evaluation import cross_validate

    with _fitting_runtime(settings) as runtime:  # each fold fits its own model
        return cross_validate(runtime.engine, questions, k, folds)


@contextmanager
def _fitting_runtime(settings: Settings) -> Iterator[Runtime]:
    """The runtime `accords tune` and `eval --folds` fit answer models over: no shipped model needed,
    the lexical index complete before the first question, closed afterwards."""
    from service.answer.model import AnswerModel
    from service.runtime import close_runtime, open_runtime

    runtime = open_runtime(settings, answer_model=AnswerModel.untrained())
    try:
        runtime.view.wait_for_lexical()
        yield runtime
    finally:
        close_runtime(runtime)


def _print_misses(outcomes: list[Outcome]) -> None:
    """Every question answered wrongly or refused wrongly: the question, what was expected, what was said."""
    console = Console(soft_wrap=True)
    misses = [o for o in outcomes if (o.answerable and not o.answer_hit) or (not o.answerable and o.found)]
    if misses:
        console.print(f"\n{len(misses)} misses:", highlight=False)
    for outcome in misses:
        expected = " | ".join(outcome.expected) if outcome.answerable else "(not in the documents)"
        console.print(f"- [{outcome.type}] {outcome.id}: {outcome.question}", highlight=False, markup=False)
        console.print(f"    expected: {expected}", highlight=False, markup=False)
        console.print(f"    said:     {outcome.answer[:300]}", highlight=False, markup=False)


async def _ask(settings: Settings, request: ChatRequest) -> ChatResponse | None:
    """The answer, or None when the store holds no document (nothing was ingested yet)."""
    from service.runtime import running

    async with running(settings) as runtime:
        if not runtime.view.catalog.documents:
            return None
        return await runtime.responder.respond(request)


async def _evaluate(settings: Settings, questions: list[dict[str, Any]], k: int) -> list[Outcome]:
    from service.evaluation import evaluate
    from service.runtime import running

    async with running(settings) as runtime:
        return await evaluate(runtime.responder, questions, k)


def _as_dict(outcome: object) -> dict[str, object]:
    from dataclasses import asdict, is_dataclass

    return asdict(outcome) if is_dataclass(outcome) and not isinstance(outcome, type) else {}


def _print_report(report: dict[str, object]) -> None:
    from rich.table import Table

    columns = [
        ("questions", "n"),
        ("doc_hit_at_k", "doc_hit@k"),
        ("evidence_hit_at_k", "evidence_hit@k"),
        ("answer_hit", "answer_hit"),
        ("refusal_rate_unanswerable", "refusal(unans.)"),
        ("false_refusal_rate", "false_refusal"),
        ("latency_p50_ms", "p50 ms"),
        ("latency_p95_ms", "p95 ms"),
    ]
    table = Table("type", *(label for _, label in columns), box=None)
    rows = [("all", report), *dict(report["by_type"]).items()]  # type: ignore[call-overload]
    for name, metrics in rows:
        table.add_row(name, *("–" if metrics.get(key) is None else str(metrics[key]) for key, _ in columns))
    Console(width=150).print(table)


def main() -> None:
    app()
