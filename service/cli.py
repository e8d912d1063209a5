"""The `accords` command: one Typer app; settings are built here once and passed down."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

import ingest.cli
from ingest.embedders import EmbeddingsUnavailable
from ingest.store import StoreMismatch, StoreUnavailable
from service.access.cli import keys_app
from service.settings import Settings

if TYPE_CHECKING:
    from service.evaluation import Outcome
    from service.schemas import ChatRequest, ChatResponse

app = typer.Typer(
    name="accords",
    help="Answers questions over agreement documents and cites the exact passages it used.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
EXIT_STORE = 4


@app.callback()
def _configure(ctx: typer.Context) -> None:
    if ctx.obj is None:  # tests pass their own settings through CliRunner(obj=...)
        ctx.obj = Settings()


ingest.cli.register(app)
app.add_typer(keys_app, name="keys")


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
    from service.http import logs

    settings = _settings(ctx)
    logs.configure(settings.log_level, settings.log_format)  # JSON lines with the request id
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go to the handler configured above
        # X-Forwarded-For is believed only from ACCORDS_TRUSTED_PROXIES (the per-IP rate limits use it).
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or None,
    )


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
    try:
        response = asyncio.run(_ask(_settings(ctx), request))
    except (StoreUnavailable, StoreMismatch, EmbeddingsUnavailable) as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(EXIT_STORE) from None
    if as_json:
        typer.echo(response.model_dump_json(indent=2))
        return
    console = Console(soft_wrap=True)  # one source a line, quotes unbroken, whatever the width
    console.print(response.answer, highlight=False, markup=False)  # quotes may hold "[sic]", "[/]"
    for source in response.sources:
        details = ", ".join(part for part in (source.date, source.url) if part)
        line = f"[{source.id}] {source.title}" + (f" ({details})" if details else "")
        console.print(line, highlight=False, markup=False)


@app.command("eval")
def evaluate_command(
    ctx: typer.Context,
    qa_file: Annotated[Path, typer.Argument(help="QA file, one JSON object a line (dev-qa.jsonl format).")],
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="Sources per answer.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run a QA file through the /chat code path and print retrieval and answer metrics."""
    from service.evaluation import EvalFileError, load_questions, summarize

    try:
        questions = load_questions(qa_file)
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
        return
    _print_report(report)


async def _ask(settings: Settings, request: ChatRequest) -> ChatResponse:
    from service.runtime import running

    async with running(settings) as runtime:
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
