"""HTTP routes: thin adapters that parse a request, call the service's use cases, and map the result.

State comes only through `service.deps`. `ROUTERS` is every router the app serves, in one list.
`chat_paths` finds the chat routes among them: every route that reaches the responder (`deps.ResponderDep`,
the only way a route gets one) or takes a visitor's feedback (`deps.FeedbackDep`), so a chat route added
later is behind the access rules and the concurrency cap without being listed anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from service.deps import get_feedback, get_responder
from service.routes import (
    admin_documents,
    admin_jobs,
    admin_owner,
    admin_site_keys,
    apidocs,
    chat,
    console,
    documents,
    feedback,
    health,
    openai_compat,
    stream,
    widget,
)

ROUTERS: tuple[APIRouter, ...] = (
    chat.router,
    stream.router,
    openai_compat.router,
    feedback.router,
    documents.router,
    health.router,
    widget.router,
    apidocs.router,
    admin_documents.router,
    admin_jobs.router,
    admin_owner.router,
    admin_site_keys.router,
    console.router,
)


VISITOR_DEPENDENCIES = (get_responder, get_feedback)


def routes_of(routers: Iterable[APIRouter] = ROUTERS) -> list[BaseRoute]:
    """The routes of `routers`, as served (FastAPI includes routers lazily: `app.routes` may hold them
    whole rather than their routes)."""
    return [route for router in routers for route in router.routes]


def answers_questions(route: BaseRoute) -> bool:
    """Whether the route gets the responder (or a visitor's feedback on its answers): the mark of a chat
    route, which the widget's pages call."""

    def reaches(dependant: Dependant) -> bool:
        return dependant.call in VISITOR_DEPENDENCIES or any(reaches(d) for d in dependant.dependencies)

    return isinstance(route, APIRoute) and reaches(route.dependant)


def chat_paths(routes: Iterable[BaseRoute]) -> tuple[str, ...]:
    """The paths of the chat routes, for the access middleware and the concurrency cap (which match paths
    exactly, so a chat route has a fixed path)."""
    found = (route.path for route in routes if isinstance(route, APIRoute) and answers_questions(route))
    paths = tuple(dict.fromkeys(found))
    templated = [path for path in paths if "{" in path]
    if templated:
        raise ValueError(f"chat routes need fixed paths, for the access rules to match them: {templated}")
    return paths
