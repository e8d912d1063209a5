"""The admin API's use cases: documents uploaded, replaced and deleted over HTTP, ingest jobs over folders,
all written by the service's one writer. Routes (`service.routes.admin_*`) parse and map; the work is here.
"""

from __future__ import annotations

from service.admin.jobs import Job, Jobs, TooManyJobs
from service.admin.state import AdminError, AdminState
from service.admin.writer import Checkpoints, Writer

__all__ = ["AdminError", "AdminState", "Checkpoints", "Job", "Jobs", "TooManyJobs", "Writer"]
