"""Starting an ingest job: `accords ingest FOLDER` queued on the service's writer, tracked as a `Job`."""

from __future__ import annotations

import functools
from pathlib import Path

from ingest.pipeline import Ingestor
from ingest.summary import IngestSummary
from service.admin.jobs import Job, TooManyJobs
from service.admin.state import AdminError, AdminState
from service.admin.writer import Checkpoints
from service.http.metrics import observe_ingest


def start_job(state: AdminState, shown: str, folder: Path, prune: bool) -> Job:
    """Queue the job and return it at once (its status says when it runs and how it ended)."""
    root = state.settings.ingest_root
    assert root is not None, "the route checks that jobs are enabled"
    try:
        job = state.jobs.add(shown, prune, root.resolve())
    except TooManyJobs as error:
        raise AdminError(409, str(error), "too_many_jobs", {"Retry-After": "30"}) from None
    task = functools.partial(_run, job, folder, state)
    state.writer.submit(task, state.view).add_done_callback(job.settle)
    return job


def _run(job: Job, folder: Path, state: AdminState) -> IngestSummary:
    job.begin()
    progress = Checkpoints(state.writer.stopping, job)
    summary = Ingestor(state.store, state.embedder, state.settings, progress).run([folder], prune=job.prune)
    observe_ingest(summary)
    return summary
