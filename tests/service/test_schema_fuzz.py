"""Schemathesis over the OpenAPI schema: whatever a client sends that the schema allows (and much that it
does not), the service answers without a server error.

The app runs in-process over the sample store (fake embedder) with its lifespan entered once, so every
route is live. Examples are bounded per operation (`MAX_EXAMPLES`, about half a minute in all) and the
database of failing examples is off, so CI runs the same, bounded work every time. Hypothesis shrinks a
failure to its smallest input, which the report names with the operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from service.app import create_app
from tests.fakes import HashingEmbedder
from tests.service.conftest import service_settings

MAX_EXAMPLES = 20


@pytest.fixture(scope="module")
def live_app(sample_data: Path, fake: HashingEmbedder) -> Iterator[FastAPI]:
    app = create_app(service_settings(sample_data), embedder=fake)
    with TestClient(app):  # runs the lifespan: the runtime stays open for the module
        yield app


@pytest.fixture(scope="module")
def api_schema(live_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", live_app)


schema = schemathesis.pytest.from_fixture("api_schema")


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
