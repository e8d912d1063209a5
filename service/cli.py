"""The `accords` command: one Typer app; settings are built here once and passed down."""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

import ingest.cli
from ingest.embedders import EmbeddingsUnavailable
from ingest.settings import StoreSettings
from ingest.store import StoreMismatch, StoreUnavailable
from service.access.cli import keys_app
from service.evaluation import register as register_evaluation
from service.owner.cli import db_app, report_app
from service.settings import Settings

if TYPE_CHECKING:
    from service.evaluation import Runtimes
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
    conversation: Annotated[
        str | None,
        typer.Option("--conversation", help="Continue this conversation (an id an earlier answer gave)."),
    ] = None,
) -> None:
    """Answer one question from the store and list its numbered sources."""
    from pydantic import ValidationError

    from service.schemas import ChatRequest

    try:
        request = ChatRequest(question=question, top_k=top_k, conversation_id=conversation)
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
    follow_up = f"--conversation {response.conversation_id}"
    Console(stderr=True, soft_wrap=True).print(
        f"ask a follow-up with {follow_up}", highlight=False, markup=False
    )
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


async def _ask(settings: Settings, request: ChatRequest) -> ChatResponse | None:
    """The answer, or None when the store holds no document (nothing was ingested yet)."""
    from service.chat import (
        SAVED_CONVERSATIONS_FILE,
        Conversations,
        restore_conversation,
        save_conversation,
    )
    from service.runtime import running

    async with running(settings) as runtime:
        if not runtime.view.catalog.documents:
            return None
        store = runtime.engine.conversations
        local = store if isinstance(store, Conversations) else None  # with Redis: shared already
        saved = settings.data_dir / SAVED_CONVERSATIONS_FILE
        if local is not None and request.conversation_id:
            restore_conversation(local, saved, request.conversation_id, settings.conversation_ttl_s)
        response = await runtime.responder.respond(request)
        if local is not None:
            try:
                save_conversation(local, saved, response.conversation_id, settings.conversation_ttl_s)
            except OSError as error:  # a read-only data dir: the answer stands, follow-ups start afresh
                Console(stderr=True).print(f"note: the conversation is not kept ({escape(str(error))})")
        return response


def _runtimes() -> Runtimes:
    """`service.runtime`, imported when `eval` or `tune` runs (it sits above `service.evaluation`)."""
    import service.runtime

    return service.runtime


register_evaluation(app, _runtimes)


def main() -> None:
    app()
