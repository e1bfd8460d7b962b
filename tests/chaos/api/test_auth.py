"""Every controller endpoint that changes anything needs the token; no GET does work.

The routes are walked from the app itself, so a new mutating route without `require_token`
fails here, and each one is called without (and with a wrong) token against the real app.
"""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry

from chaos.api.app import create_app
from chaos.api.auth import require_stack_token, require_token
from chaos.pager.config import WEBHOOK_PATH
from chaos.testing.api import controller_client
from chaos.testing.controller import FakeController

TOKEN = "s3cret"
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def walk(routes):
    for route in routes:
        inner = getattr(route, "original_router", None)  # an included router (FastAPI >= 0.1xx)
        if inner is not None:
            yield from walk(inner.routes)
        else:
            yield route


def dependencies(dependant):
    for dep in dependant.dependencies:
        yield dep.call
        yield from dependencies(dep)


@pytest.fixture
def app(tmp_path):
    return create_app(FakeController(tmp_path), TOKEN, registry=CollectorRegistry())


def mutating_routes(app) -> list[tuple[str, str, APIRoute]]:
    found = []
    for route in walk(app.routes):
        methods = set(getattr(route, "methods", None) or ()) - READ_METHODS
        for method in sorted(methods):
            found.append((method, route.path, route))
    return found


# Calls that components of the stack make (the webhook, OTLP trace exports): they may use the
# stack's admin token instead.
STACK_CALLS = {("POST", WEBHOOK_PATH), ("POST", "/v1/traces")}


def test_every_mutating_route_requires_the_token(app):
    found = mutating_routes(app)
    assert len(found) >= 20  # the walk sees the included routers
    missing = [
        f"{method} {path}"
        for method, path, route in found
        if not isinstance(route, APIRoute)
        or (require_stack_token if (method, path) in STACK_CALLS else require_token)
        not in set(dependencies(route.dependant))
    ]
    assert missing == []


async def test_the_stacks_admin_token_opens_the_webhook_and_nothing_else(app):
    controller = app.state.controller
    admin = {"Authorization": f"Bearer {controller.plan.admin_token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://controller") as client:
        hooked = await client.post(WEBHOOK_PATH, headers=admin, json={
            "version": "4", "groupKey": "{}:{}", "status": "firing", "receiver": "pager",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "alerts": []})
        assert hooked.status_code == 200, hooked.text
        for method, path, _ in mutating_routes(app):
            if (method, path) in STACK_CALLS:
                continue
            response = await client.request(method, re.sub(r"\{[^}]+\}", "x", path),
                                            json={}, headers=admin)
            assert response.status_code == 401, (method, path, response.text)
    assert controller.faults.records == {}


async def test_an_empty_admin_token_opens_nothing(app):
    app.state.admin_token = ""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://controller") as client:
        for header in ({"Authorization": "Bearer "}, {"Authorization": "Bearer"}, {}):
            response = await client.post(WEBHOOK_PATH, headers=header, json={})
            assert response.status_code == 401, (header, response.text)


def test_the_sweep_is_a_post_and_no_get_takes_a_sweep(app):
    paths = {(m, p) for m, p, _ in mutating_routes(app)}
    assert ("POST", "/api/consistency/sweep") in paths


async def test_unauthenticated_calls_to_every_mutating_endpoint_answer_401(app, tmp_path):
    controller = app.state.controller
    calls = [(m, re.sub(r"\{[^}]+\}", "x", p)) for m, p, _ in mutating_routes(app)]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://controller") as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                        {"Authorization": f"Basic {TOKEN}"}):
            for method, path in calls:
                response = await client.request(method, path, json={}, headers=headers)
                assert response.status_code == 401, (method, path, headers, response.text)
    # and nothing happened
    assert controller.faults.records == {} and controller.drills.drill is None


async def test_a_get_with_sweep_is_refused_naming_the_post(tmp_path):
    controller = FakeController(tmp_path)
    async with controller_client(controller, TOKEN) as client:
        response = await client.get("/api/consistency?sweep=true")
    assert response.status_code == 405
    assert "POST /api/consistency/sweep" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "sweep"


async def test_the_load_api_sends_the_stacks_token_to_the_load_generator(tmp_path):
    seen: list[tuple[str, str, str | None]] = []

    def loadgen(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.headers.get("authorization")))
        return httpx.Response(200, json={"rate": 1.0})

    controller = FakeController(tmp_path)
    controller.plan.endpoints = {**controller.plan.endpoints, "loadgen": "http://loadgen.test"}
    controller.plan.admin_token = "stack-admin-token"
    controller.http = httpx.AsyncClient(transport=httpx.MockTransport(loadgen))
    async with controller_client(controller, TOKEN) as client:
        assert (await client.post("/api/load", json={"rate": 5})).status_code == 200
        assert (await client.post("/api/consistency/sweep")).status_code == 200
        assert (await client.get("/api/consistency")).status_code == 200
    await controller.http.aclose()
    assert seen[:2] == [
        ("POST", "/gameday/load", "Bearer stack-admin-token"),
        ("POST", "/gameday/consistency/sweep", "Bearer stack-admin-token"),
    ]


def test_the_local_plan_gives_the_load_generator_the_stacks_token(tmp_path):
    from chaos.settings import Settings
    from chaos.stack.plan import build_plan

    plan = build_plan(Settings(state_dir=tmp_path, ports="free"))
    assert plan.component("loadgen").env["GAMEDAY_ADMIN_TOKEN"] == plan.admin_token
    assert len(plan.admin_token) >= 24
