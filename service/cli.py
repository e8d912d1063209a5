"""The `accords` command: one Typer app; settings are built here once and passed down."""

from __future__ import annotations

import typer

import ingest.cli
from service.settings import Settings

app = typer.Typer(
    name="accords",
    help="Answers questions over agreement documents and cites the exact passages it used.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _configure(ctx: typer.Context) -> None:
    if ctx.obj is None:  # tests pass their own settings through CliRunner(obj=...)
        ctx.obj = Settings()


ingest.cli.register(app)


def main() -> None:
    app()
