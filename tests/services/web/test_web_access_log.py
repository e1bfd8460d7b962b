"""Web's access lines (services/web/access_log.py): one per recorded request with its trace
and span ids, one per 5xx even when not recorded, none for unrecorded successes, health checks
or the controller's /admin calls."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from services import jsonlog
from services.web.app import create_app
from tests.services.web.conftest import FakeEtcd

UNSAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"


@pytest.fixture
def lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(jsonlog.JsonFormatter("web-1"))
    logger = logging.getLogger("services.web.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.fixture
def web(make_settings: Callable[..., Any]):
    spans = InMemorySpanExporter()

    @asynccontextmanager
    async def make(handler) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(make_settings(), CollectorRegistry(),
                         store_transport=httpx.MockTransport(handler),
                         span_processor=SimpleSpanProcessor(spans))
        async with app.router.lifespan_context(app):
            asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=asgi, base_url="http://web") as client:
                yield client

    return make


async def test_a_recorded_request_is_one_line_with_its_trace_and_span(web, lines, fake_etcd):
    async with web(fake_etcd.handler) as client:
        got = await client.get("/kv/missing")
        await client.get("/readyz")
        await client.get("/metrics")
    [line] = lines()
    assert line["trace_id"] == got.headers["x-trace-id"] and len(line["span_id"]) == 16
    assert line["message"].startswith("GET /kv/missing 404 ") and line["level"] == "info"
    assert line["component"] == "web-1"


async def test_an_unrecorded_success_is_not_logged_but_its_5xx_is(web, lines,
                                                                  fake_etcd: FakeEtcd):
    async with web(fake_etcd.handler) as client:
        ok = await client.get("/kv/missing", headers={"traceparent": UNSAMPLED})
        assert ok.status_code == 404
    assert lines() == []

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with web(refuse) as client:
        failed = await client.get("/kv/a", headers={"traceparent": UNSAMPLED})
    assert failed.status_code >= 500
    [line] = lines()
    assert line["level"] == "error" and line["trace_id"] == UNSAMPLED.split("-")[1]
    assert "span_id" not in line
    assert line["message"].startswith(f"GET /kv/a {failed.status_code} ")
