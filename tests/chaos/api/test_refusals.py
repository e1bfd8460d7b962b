"""Every refusal has one shape: `detail` for people and `errors` (`{field, message}`) for forms.

The routes are walked from the app itself, so a new mutating route is covered the day it is
added: one with input gets a bad request (no such id in its path, a body of the wrong type) and
must answer a 4xx in that shape; one without input must not answer a 500 either.
"""

from __future__ import annotations

import re

import httpx
import pytest
from prometheus_client import CollectorRegistry

from chaos.api.app import create_app
from chaos.api.surface import ControllerSurface
from chaos.faults.manager import FaultError
from chaos.refusal import Refusal
from chaos.testing.controller import FakeController
from tests.chaos.api.test_auth import mutating_routes

TOKEN = "s3cret"
# Routes that take no input at all: nothing in them can be wrong, only the state they meet.
INPUTLESS = {
    ("POST", "/api/abort"), ("POST", "/api/shutdown"), ("POST", "/api/consistency/sweep"),
    ("DELETE", "/api/monkey"), ("POST", "/api/runs/stop"), ("POST", "/api/store/defrag"),
    ("POST", "/api/store/disarm"), ("POST", "/api/drills/current/reveal"),
    ("POST", "/api/drills/current/hint"),
}
# Routes that read a raw body themselves (OTLP protobuf): input FastAPI does not declare.
RAW_BODY = {("POST", "/v1/traces")}


def shaped(response: httpx.Response) -> bool:
    body = response.json()
    return isinstance(body.get("detail"), str) and body["detail"] != "" and \
        isinstance(body.get("errors"), list) and \
        all(set(e) >= {"field", "message"} for e in body["errors"])


@pytest.fixture
async def app_and_client(tmp_path):
    controller = FakeController(tmp_path)
    app = create_app(controller, TOKEN, registry=CollectorRegistry())
    async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://controller",
            headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield app, client
    await controller.close()


async def test_every_mutating_route_with_input_refuses_a_bad_request_in_one_shape(
        app_and_client):
    app, client = app_and_client
    routes = mutating_routes(app)
    with_input = [(m, p, r) for m, p, r in routes if (m, p) not in INPUTLESS]
    assert {(m, p) for m, p, r in routes
            if not r.dependant.path_params and not r.dependant.body_params} - RAW_BODY \
        == INPUTLESS
    assert len(with_input) >= 14
    for method, path, route in with_input:
        url = re.sub(r"\{[^}]+\}", "no-such-thing", path)
        # A path that names nothing, or a body that is a list where an object belongs.
        body = {} if route.dependant.path_params else [1]
        response = await client.request(method, url, json=body)
        assert 400 <= response.status_code < 500, (method, path, response.text)
        assert shaped(response), (method, path, response.text)


async def test_a_route_without_input_answers_its_state_in_the_same_shape(app_and_client):
    app, client = app_and_client
    for method, path in sorted(INPUTLESS):
        response = await client.request(method, path)
        assert response.status_code < 500 or response.status_code in (502, 503, 504), \
            (method, path, response.text)
        if response.status_code >= 400:
            assert shaped(response), (method, path, response.text)


async def test_starlettes_own_refusals_have_the_shape_too(app_and_client):
    _, client = app_and_client
    unauthorized = await client.post("/api/abort", headers={"Authorization": "Bearer wrong"})
    assert unauthorized.status_code == 401 and shaped(unauthorized)
    assert unauthorized.headers["www-authenticate"] == "Bearer"
    assert shaped(await client.get("/api/no-such-route"))
    assert shaped(await client.put("/api/faults"))


async def test_a_services_refusal_reaches_the_client_as_raised(app_and_client):
    app, client = app_and_client

    async def refuse(_body):
        raise FaultError(409, "busy", [{"field": "targets", "message": "taken"}])

    app.state.controller.faults.inject = refuse
    response = await client.post("/api/faults", json={"type": "kill", "target": "web-1"})
    assert response.status_code == 409
    assert response.json() == {"detail": "busy",
                               "errors": [{"field": "targets", "message": "taken"}]}
    assert issubclass(FaultError, Refusal)


def test_the_fake_controller_is_the_apis_surface(tmp_path):
    assert isinstance(FakeController(tmp_path), ControllerSurface)
