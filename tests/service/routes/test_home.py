"""GET /: a browser opening the service's address is sent to the demo page."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_root_leads_to_the_demo(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (302, "/demo")
    demo = client.get("/")
    assert demo.status_code == 200 and demo.url.path == "/demo" and "widget.js" in demo.text
    assert "/" not in client.get("/openapi.json").json()["paths"]  # a convenience, not part of the API
