"""The "bad deploy" switch and the settings parsing it relies on."""

from __future__ import annotations

import pytest

from services.web.bad_release import parse_broken_routes
from services.web.settings import WebSettings


async def test_broken_routes_answer_500_json(make_client) -> None:
    async with make_client(release="1.1.0", broken_routes="GET /kv/{key}, GET /kv") as client:
        assert (await client.put("/kv/k", json={"value": "v"})).status_code == 200
        broken = await client.get("/kv/k")
        assert broken.status_code == 500
        # What a real broken build answers: a 500, not a note saying a release is broken.
        assert broken.json() == {"error": "internal_error", "detail": "Internal Server Error"}
        assert (await client.get("/kv")).status_code == 500
        assert (await client.get("/healthz")).status_code == 200


def test_settings_read_comma_lists_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("GAMEDAY_WEB_NAME", "web-2")
    monkeypatch.setenv(
        "GAMEDAY_WEB_STORE_ENDPOINTS", "http://127.0.0.1:2379/, http://127.0.0.1:2389"
    )
    monkeypatch.setenv("GAMEDAY_WEB_BROKEN_ROUTES", "GET /kv/{key},GET /kv")
    settings = WebSettings()
    assert settings.name == "web-2"
    assert settings.store_endpoints == ["http://127.0.0.1:2379", "http://127.0.0.1:2389"]
    assert settings.broken_routes == ["GET /kv/{key}", "GET /kv"]
    assert (settings.port, settings.store_timeout, settings.store_read_retries) == (8000, 1.0, 2)
    assert settings.admin_enabled is False


def test_broken_route_entries_must_name_method_and_route() -> None:
    assert parse_broken_routes(["get /kv"]) == {("GET", "/kv")}
    with pytest.raises(ValueError, match="must look like"):
        parse_broken_routes(["/kv"])
