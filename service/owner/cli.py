"""`accords db upgrade` and `accords report gaps`: the owner store from the command line.

`db upgrade` applies the schema migrations the service would apply at start-up, for an operator who
migrates before rolling out replicas. `report gaps` prints the unanswered-questions report the admin API
serves (`GET /admin/reports/gaps`), from the same database, model and store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ingest.embedders import EmbeddingsUnavailable, open_embedder
from ingest.store import StoreMismatch, StoreUnavailable, open_store
from service.owner import GapsReport, closest_documents, gaps_report, migrate, open_owner_store
from service.settings import Settings

db_app = typer.Typer(help="The owner store's database (feedback, question log).", no_args_is_help=True)
report_app = typer.Typer(help="Reports over what visitors asked.", no_args_is_help=True)
EXIT_USAGE, EXIT_STORE = 2, 4


def _settings(ctx: typer.Context) -> Settings:
    return cast(Settings, ctx.obj)  # `accords`'s callback puts the settings in the context


def _fail(message: str, code: int) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)


@db_app.command("upgrade")
def upgrade_command(ctx: typer.Context) -> None:
    """Bring the database's schema up to date (the service also does at start-up)."""
    try:
        where = migrate(_settings(ctx))
    except ArgumentError as error:
        raise _fail(f"ACCORDS_DATABASE_URL is not a database URL: {error}", EXIT_USAGE) from None
    except SQLAlchemyError as error:
        raise _fail(f"the database does not answer: {error}", EXIT_STORE) from None
    typer.echo(f"{where}: schema up to date")


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 date or time: {value!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@report_app.command("gaps")
def gaps_command(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="From this date or time (ISO 8601, UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date or time (ISO 8601, UTC).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """The questions the documents did not answer (or whose answer got a thumbs down), grouped by meaning."""
    settings = _settings(ctx)
    start, end = _moment(since), _moment(until)
    try:
        owner = open_owner_store(settings)
        try:
            questions = owner.gap_questions(start, end)
        finally:
            owner.close()
        embedder = open_embedder(settings)
        report = gaps_report(questions, embedder, closest_documents(open_store(settings, embedder)))
    except ArgumentError as error:
        raise _fail(f"ACCORDS_DATABASE_URL is not a database URL: {error}", EXIT_USAGE) from None
    except (SQLAlchemyError, StoreUnavailable, StoreMismatch, EmbeddingsUnavailable) as error:
        raise _fail(str(error), EXIT_STORE) from None
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _print(report)


def _print(report: GapsReport) -> None:
    console = Console(soft_wrap=True)
    if not report.clusters:
        console.print("No unanswered or thumbs-down questions in this period.", highlight=False)
        return
    groups = len(report.clusters)
    console.print(
        f"{report.questions} questions in {groups} group{'s' if groups != 1 else ''}, largest first:",
        highlight=False,
    )
    for number, cluster in enumerate(report.clusters, start=1):
        reasons = cluster.reasons
        dates = f"{cluster.first_seen:%Y-%m-%d} to {cluster.last_seen:%Y-%m-%d}"
        why = f"not found {reasons.not_found}, thumbs down {reasons.thumbs_down}"
        console.print(f"\n{number}. {cluster.size} questions, {dates} ({why})", highlight=False, markup=False)
        for example in cluster.examples:
            console.print(f"   - {example}", highlight=False, markup=False)
        if cluster.documents:
            titles = "; ".join(f"{d.title} ({d.document_id})" for d in cluster.documents)
            console.print(f"   closest documents: {titles}", highlight=False, markup=False)
