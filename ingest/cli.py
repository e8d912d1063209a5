"""`accords ingest` and `accords docs`: the ingestion job's command line.

Exit codes: 0 all went in, 1 some files failed (the rest went in), 2 usage error, 3 another writer
holds the store, 4 the store cannot be opened (or holds another model's vectors) or the embeddings server
failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ingest.discovery import UsageError
from ingest.embedders import EmbeddingsUnavailable, open_embedder
from ingest.models import DocumentRecord
from ingest.pipeline import Ingestor
from ingest.progress import TerminalProgress
from ingest.settings import StoreSettings
from ingest.store import StoreMismatch, StoreUnavailable, WriterBusy, open_store, writer_lock
from ingest.summary import IngestSummary

EXIT_FAILED_FILES, EXIT_USAGE, EXIT_BUSY, EXIT_STORE = 1, 2, 3, 4
_AFTER_WRITE: list[Callable[[StoreSettings], None]] = []  # e.g. the service's "the store changed" signal


def register(app: typer.Typer, after_write: Callable[[StoreSettings], None] | None = None) -> None:
    """`after_write(settings)` runs after every ingest that ran (the service signals its replicas)."""
    if after_write is not None and after_write not in _AFTER_WRITE:
        _AFTER_WRITE.append(after_write)
    app.command("ingest")(ingest_command)
    app.command("docs")(docs_command)


def _settings(ctx: typer.Context) -> StoreSettings:
    settings = ctx.obj
    assert isinstance(settings, StoreSettings), "main() puts the settings in the context"
    return settings


def ingest_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive) to ingest.")],
    prune: Annotated[
        bool, typer.Option(help="Delete documents under the given folders whose file is gone.")
    ] = False,
    exclude: Annotated[list[str] | None, typer.Option(help="File-name glob to skip (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Make the store hold exactly what PATHS hold: new and changed documents in, unchanged untouched."""
    settings = _settings(ctx)
    err = Console(stderr=True)
    try:
        with writer_lock(settings):
            embedder = open_embedder(settings, lazy=True)
            store = open_store(settings, embedder)
            with TerminalProgress(err) as progress:
                summary = Ingestor(store, embedder, settings, progress).run(paths, prune, exclude or ())
    except UsageError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(EXIT_USAGE) from None
    except WriterBusy as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(EXIT_BUSY) from None
    except (StoreUnavailable, StoreMismatch, EmbeddingsUnavailable) as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(EXIT_STORE) from None
    for hook in _AFTER_WRITE:
        hook(settings)
    if as_json:
        typer.echo(json.dumps(summary.as_json(), indent=2))
    else:
        _print_summary(summary, Console())
    if summary.failed:
        raise typer.Exit(EXIT_FAILED_FILES)


def _print_summary(summary: IngestSummary, console: Console) -> None:
    for outcome in summary.outcomes:
        if outcome.status in ("failed", "skipped"):
            console.print(
                f"[red]{outcome.status:8}[/red] {escape(outcome.path)}: {escape(outcome.reason or '')}",
                highlight=False,
            )
        elif outcome.status != "unchanged":
            console.print(
                f"{outcome.status:8} {escape(outcome.doc_id or '')} ({outcome.chunks} chunks)",
                highlight=False,
            )
        for warning in outcome.warnings:
            console.print(
                f"[yellow]warning [/yellow] {escape(outcome.path)}: {escape(warning)}", highlight=False
            )
    for doc_id in summary.pruned:
        console.print(f"deleted  {escape(doc_id)} (file gone)", highlight=False)
    totals = summary.totals()
    console.print(
        "added {added}, updated {updated}, unchanged {unchanged}, deleted {deleted}, failed {failed}, "
        "skipped {skipped}; {chunks} chunks embedded in {seconds:.1f} s".format(**totals),
        highlight=False,
    )


def docs_command(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """List the documents in the store (id, title, date, kind, chunks, content hash)."""
    settings = _settings(ctx)
    try:
        records = sorted(open_store(settings).documents().values(), key=lambda record: record.doc_id)
    except (StoreUnavailable, StoreMismatch) as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}")
        raise typer.Exit(EXIT_STORE) from None
    if as_json:
        typer.echo(json.dumps([record.public() for record in records], indent=2))
        return
    _print_documents(records, Console())


def _print_documents(records: list[DocumentRecord], console: Console) -> None:
    """One line per document. Ids are printed whole, whatever the width: a user copies them into
    commands and filters. The title gives way (cut with "…"); the console widens when even that is not
    enough (a terminal then wraps the line, a pipe keeps it)."""
    id_width = max((cell_len(record.doc_id) for record in records), default=2)
    kind_width = max((cell_len(record.kind or "") for record in records), default=4)
    others = id_width + 10 + max(kind_width, 4) + 6 + 12 + 2 * 6  # date, kind, chunks, hash, padding
    title_width = max(20, min(60, console.width - others))
    table = Table(box=None)
    table.add_column("id", no_wrap=True, min_width=id_width)
    table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=title_width)
    for name in ("date", "kind", "chunks", "content hash"):
        table.add_column(name, no_wrap=True)
    for record in records:
        table.add_row(
            escape(record.doc_id),
            escape(record.title),
            record.date or "",
            escape(record.kind or ""),
            str(record.chunks),
            record.version[:12],
        )
    console.width = max(console.width, others + title_width)
    console.print(table, highlight=False)
    console.print(f"{len(records)} documents", highlight=False)
