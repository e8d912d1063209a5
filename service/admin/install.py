"""Wiring of the admin API into the app: its state, its error answers, its routes, and its shutdown."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service.admin.jobs import Jobs
from service.admin.state import AdminError, AdminState
from service.admin.writer import Writer
from service.routes import admin_documents, admin_jobs
from service.settings import Settings
from service.sitekeys import SiteKeyStore

# Routes that read their own (large) bodies within their own limits: the app's body limit skips them.
STREAMED_PATHS = ("/admin/documents",)


def install(app: FastAPI, settings: Settings) -> AdminState:
    state = AdminState(
        settings=settings,
        keys=SiteKeyStore(settings.site_keys_path, check_interval=0),
        writer=Writer(settings),
        jobs=Jobs(),
    )
    app.state.admin = state

    async def _refused(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AdminError)
        response = exc.response()
        if request.url.path.startswith(STREAMED_PATHS) and request.method in ("POST", "PUT"):
            # The rest of a refused upload may still be on its way: close the connection rather than
            # let the server read (and discard) gigabytes to keep it alive.
            response.headers["Connection"] = "close"
        return response

    app.add_exception_handler(AdminError, _refused)
    app.include_router(admin_documents.router)
    app.include_router(admin_jobs.router)
    return state


def shutdown(app: FastAPI) -> None:
    """Stop the writer (the running task at its next step, queued ones cancelled) before the store goes."""
    state = getattr(app.state, "admin", None)
    if isinstance(state, AdminState):
        state.writer.close()
