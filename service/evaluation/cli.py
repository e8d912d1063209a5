"""`accords eval` and `accords tune`: a QA file run through the answer path and measured, or fitted on.

Both need a whole runtime (store, embedder, engine), which `service.runtime` opens; that module sits above
this package in the layers contract, so `service.cli` hands it in with `register` and it is imported only
when a command runs. This module and the ones it imports at the top stay clear of `service.chat`: its
language model client libraries would add 1.2 s to every `accords` command's 1.8 s start (measured).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer
from rich.console import Console
from rich.markup import escape

from ingest.embedders import EmbeddingsUnavailable
from ingest.store import StoreMismatch, StoreUnavailable
from service.answer.model import MODEL_FILE, AnswerModel
from service.evaluation.folds import cross_validate
from service.evaluation.folds import tune as fit_model
from service.evaluation.output import as_dict, print_misses, print_report
from service.evaluation.run import EvalFileError, Outcome, evaluate, load_questions, summarize
from service.settings import Settings

if TYPE_CHECKING:
    from service.runtime import Runtime

EXIT_USAGE, EXIT_STORE = 2, 4


class Runtimes(Protocol):
    """What these commands use of `service.runtime` (the module itself is handed in)."""

    def open_runtime(self, settings: Settings, *, answer_model: AnswerModel | None = None) -> Runtime: ...

    def close_runtime(self, runtime: Runtime) -> None: ...

    def running(self, settings: Settings) -> AbstractAsyncContextManager[Runtime]: ...


_RUNTIMES: list[Callable[[], Runtimes]] = []


def register(app: typer.Typer, runtimes: Callable[[], Runtimes]) -> None:
    """Add `eval` and `tune` to `app`; `runtimes()` imports `service.runtime` when one of them runs."""
    _RUNTIMES[:] = [runtimes]
    app.command("eval")(evaluate_command)
    app.command()(tune)


def _runtimes() -> Runtimes:
    assert _RUNTIMES, "service.cli registers these commands with the runtime module"
    return _RUNTIMES[-1]()


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings), "the callback puts the settings in the context"
    return settings


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
        float | None,
        typer.Option(
            "--fail-under",
            min=0,
            max=1,
            help="Exit 1 if answer_hit is below this, or if any answer cites a source it does not list.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run a QA file through the /chat code path and print retrieval and answer metrics, and every miss."""
    with _errors_reported():
        questions = load_questions(qa_file)
        if folds:
            outcomes = _cross_validate(_settings(ctx), questions, k, folds)
        else:
            outcomes = asyncio.run(_evaluate(_settings(ctx), questions, k))
    report = summarize(outcomes)
    if as_json:
        report["questions_detail"] = [as_dict(o) for o in outcomes]
        typer.echo(json.dumps(report, indent=2))
    else:
        print_report(report)
        print_misses(outcomes)
    if fail_under is not None and (report["answer_hit"] or 0.0) < fail_under:
        Console(stderr=True).print(f"answer_hit {report['answer_hit']} is below {fail_under}")
        raise typer.Exit(1)
    if fail_under is not None and (report["citations_valid"] or 0.0) < 1.0:
        Console(stderr=True).print(
            f"citations_valid {report['citations_valid']}: an answer cites no listed source"
        )
        raise typer.Exit(1)


def tune(
    ctx: typer.Context,
    qa_file: Annotated[Path, typer.Argument(help="Training questions (dev-qa.jsonl format).")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write the model (default: the shipped one).")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="Sources per answer.")] = 5,
) -> None:
    """Fit the answer model on a QA file, over the documents in the store, and write it (deterministic)."""
    with _errors_reported():
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
    target = out or MODEL_FILE
    model.save(target)
    typer.echo(
        f"wrote {target}: {len(questions)} questions, found threshold {model.found_threshold:.3f}, "
        f"up to {model.support.max_sentences} sentences"
    )


async def _evaluate(settings: Settings, questions: list[dict[str, Any]], k: int) -> list[Outcome]:
    async with _runtimes().running(settings) as runtime:
        return await evaluate(runtime.responder, questions, k)


def _cross_validate(settings: Settings, questions: list[dict[str, Any]], k: int, folds: int) -> list[Outcome]:
    with _fitting_runtime(settings) as runtime:  # each fold fits its own model
        return cross_validate(runtime.engine, questions, k, folds)


@contextmanager
def _errors_reported() -> Iterator[None]:
    """A bad QA file exits 2, a store or embedder that cannot serve exits 4, each with one line."""
    try:
        yield
    except EvalFileError as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(EXIT_USAGE) from None
    except (StoreUnavailable, StoreMismatch, EmbeddingsUnavailable) as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(EXIT_STORE) from None


@contextmanager
def _fitting_runtime(settings: Settings) -> Iterator[Runtime]:
    """The runtime `accords tune` and `eval --folds` fit answer models over: no shipped model needed,
    the lexical index complete before the first question, closed afterwards."""
    runtimes = _runtimes()
    runtime = runtimes.open_runtime(settings, answer_model=AnswerModel.untrained())
    try:
        runtime.view.wait_for_lexical()
        yield runtime
    finally:
        runtimes.close_runtime(runtime)
