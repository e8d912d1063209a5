"""HTTP routes: thin adapters that parse a request, call the service's use cases, and map the result.

State comes only through `service.deps`. `ROUTERS` is every router the app serves, in one list, so a test
can walk the app's routes and check each chat route is behind the access rules.
"""

from __future__ import annotations

from fastapi import APIRouter

from service.routes import (
    admin_documents,
    admin_jobs,
    apidocs,
    chat,
    documents,
    health,
    openai_compat,
    stream,
    widget,
)

ROUTERS: tuple[APIRouter, ...] = (
    chat.router,
    stream.router,
    openai_compat.router,
    documents.router,
    health.router,
    widget.router,
    apidocs.router,
    admin_documents.router,
    admin_jobs.router,
)
