"""A progress bar for interactive ingests (documents done, chunks/s); silent when not on a terminal."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class TerminalProgress:
    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("docs · {task.fields[chunks]} chunks · {task.fields[rate]} chunks/s"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
            transient=True,
        )
        self._task = self._progress.add_task("ingest", total=None, chunks=0, rate="–")
        self._chunks = 0
        self._began = time.monotonic()

    def __enter__(self) -> TerminalProgress:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def start(self, documents: int) -> None:
        self._began = time.monotonic()
        self._progress.update(self._task, total=documents)

    def advance(self, documents: int, chunks: int) -> None:
        self._chunks += chunks
        elapsed = max(time.monotonic() - self._began, 1e-6)
        self._progress.update(
            self._task, advance=documents, chunks=self._chunks, rate=f"{self._chunks / elapsed:.1f}"
        )
