"""Fixtures for the web service tests: an in-memory etcd gateway and an app client."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.web.app import create_app
from services.web.settings import WebSettings

ADMIN_TOKEN = "test-token"
NO_LEADER = {"error": "etcdserver: no leader", "message": "etcdserver: no leader", "code": 14}
STORE = "http://store-1:2379"


class FakeEtcd:
    """Answers the etcd v3 JSON gateway calls the web service makes, from a dict."""

    def __init__(self) -> None:
        self.data: dict[bytes, tuple[bytes, int, int, int]] = {}
        self.revision = 1
        self.leader = 42
        self.calls: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        body = json.loads(request.content) if request.content else {}
        if not self.leader and request.headers.get("grpc-metadata-hasleader") == "true":
            # As etcd does for a call that requires a leader on a member without one.
            return httpx.Response(503, json=NO_LEADER)
        route = {
            "/v3/kv/put": self._put,
            "/v3/kv/range": self._range,
            "/v3/kv/deleterange": self._delete,
            "/v3/maintenance/status": self._status,
        }[request.url.path]
        return httpx.Response(200, json=route(body))

    def _header(self) -> dict[str, str]:
        return {"revision": str(self.revision)}

    def _put(self, body: dict[str, Any]) -> dict[str, Any]:
        key, value = _b(body["key"]), _b(body.get("value", ""))
        self.revision += 1
        _, created, _, version = self.data.get(key, (b"", self.revision, 0, 0))
        self.data[key] = (value, created, self.revision, version + 1)
        return {"header": self._header()}

    def _range(self, body: dict[str, Any]) -> dict[str, Any]:
        key = _b(body["key"])
        if "range_end" in body:
            end = _b(body["range_end"])
            keys = sorted(k for k in self.data if k >= key and (end == b"\0" or k < end))
        else:
            keys = [key] if key in self.data else []
        limit = int(body.get("limit", 0)) or len(keys)
        kvs = [self._kv(k) for k in keys[:limit]]
        answer: dict[str, Any] = {"header": self._header()}
        if kvs:
            answer.update(kvs=kvs, count=str(len(keys)))
        if len(keys) > limit:
            answer["more"] = True
        return answer

    def _kv(self, key: bytes) -> dict[str, str]:
        value, created, modified, version = self.data[key]
        return {
            "key": base64.b64encode(key).decode(),
            "value": base64.b64encode(value).decode(),
            "create_revision": str(created),
            "mod_revision": str(modified),
            "version": str(version),
        }

    def _delete(self, body: dict[str, Any]) -> dict[str, Any]:
        key = _b(body["key"])
        if key not in self.data:
            return {"header": self._header()}
        del self.data[key]
        self.revision += 1
        return {"header": self._header(), "deleted": "1"}

    def _status(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"header": self._header(), "leader": str(self.leader), "raftTerm": "2"}


def _b(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.fixture
def fake_etcd() -> FakeEtcd:
    return FakeEtcd()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def make_settings() -> Callable[..., WebSettings]:
    def make(**overrides: Any) -> WebSettings:
        values: dict[str, Any] = {
            "name": "web-test",
            "store_endpoints": [STORE],
            "admin_token": ADMIN_TOKEN,
        }
        values.update(overrides)
        return WebSettings(**values)

    return make


@pytest.fixture
def make_client(
    fake_etcd: FakeEtcd, registry: CollectorRegistry, make_settings: Callable[..., WebSettings]
) -> Callable[..., Any]:
    """``async with make_client(**settings) as client`` -> app (lifespan running) client."""

    @asynccontextmanager
    async def make(
        transport: httpx.AsyncBaseTransport | None = None, **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(
            make_settings(**overrides),
            registry,
            store_transport=transport or httpx.MockTransport(fake_etcd.handler),
        )
        async with app.router.lifespan_context(app):
            # Like a real server: the 500 the app sent is the answer, not a raised error.
            asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=asgi, base_url="http://web") as client:
                client.app = app  # type: ignore[attr-defined]
                yield client

    return make


@pytest.fixture
async def client(make_client: Callable[..., Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client() as client:
        yield client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
