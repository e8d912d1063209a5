"""The admin API's use cases: documents uploaded, replaced and deleted over HTTP, ingest jobs over folders,
all written by the service's one writer. Routes (`service.routes.admin_*`) parse and map; the work is here.
"""

from __future__ import annotations

from service.admin.documents import delete_document, ingest_upload
from service.admin.ingest_jobs import start_job
from service.admin.jobs import Job, Jobs, TooManyJobs, find_job, mirror_jobs, recent_jobs
from service.admin.parts import StagedFile
from service.admin.paths import PathRefused, resolve_under
from service.admin.state import AdminError, AdminState
from service.admin.writer import Checkpoints, Writer

__all__ = [
    "AdminError",
    "AdminState",
    "Checkpoints",
    "Job",
    "Jobs",
    "PathRefused",
    "StagedFile",
    "TooManyJobs",
    "Writer",
    "delete_document",
    "find_job",
    "ingest_upload",
    "mirror_jobs",
    "recent_jobs",
    "resolve_under",
    "start_job",
]
