"""Schemathesis over the OpenAPI schema: whatever a client sends that the schema allows (and much that it
does not), the service answers without a server error.

The schema is read at import (schemathesis makes one test per operation from it) from an app that is
never started; the requests go, through `Forward`, to an app over the sample store (fake embedder)
whose lifespan the module fixture runs, so every route is live. Valid and invalid inputs are both
generated. Examples are bounded per operation (`MAX_EXAMPLES`, well under a minute in all), derandomized
and without a database of past failures, so CI does the same bounded work every time; a failure is
shrunk to its smallest input and reported with its operation. `ACCORDS_FUZZ_EXAMPLES=300` digs deeper.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from starlette.types import ASGIApp, Receive, Scope, Send

from harness import HashingEmbedder
from service.app import create_app
from tests.service.conftest import service_settings

MAX_EXAMPLES = int(os.environ.get("ACCORDS_FUZZ_EXAMPLES", "20"))  # more for a deeper local run


class Forward:
    """An ASGI app that passes requests to `target`, which the fixture replaces with the live app. Its own
    lifespan does nothing: the live app's is run by the fixture, and the first app is never started."""

    def __init__(self, target: ASGIApp) -> None:
        self.target = target

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.target(scope, receive, send)
            return
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})


APP = Forward(create_app(service_settings(Path(tempfile.gettempdir()) / "accords-schema-only")))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def live_app(sample_data: Path, fake: HashingEmbedder) -> Iterator[None]:
    app = create_app(service_settings(sample_data), embedder=fake)
    with TestClient(app):  # runs the lifespan: the runtime stays open for the module
        APP.target = app
        yield


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
