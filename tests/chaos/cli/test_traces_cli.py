"""`gameday trace ID` draws the waterfall; `gameday traces` asks the API what the flags say."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chaos.cli import app
from chaos.cli import traces as traces_cli
from chaos.cli.waterfall import render

T0 = 1_700_000_000.0
SERVER = {"span_id": "a" * 16, "parent_span_id": "f" * 16, "service": "web-2",
          "name": "GET /kv/{key}", "kind": "server", "start": T0, "duration_ms": 40.0,
          "attributes": {"http.response.status_code": 200}, "status": "unset",
          "status_message": ""}
REFUSED = {"span_id": "b" * 16, "parent_span_id": "a" * 16, "service": "web-2",
           "name": "store get", "kind": "client", "start": T0 + 0.001, "duration_ms": 1.0,
           "attributes": {"store.endpoint": "http://127.0.0.1:4001", "store.outcome":
                          "unavailable", "store.failover": False, "store.retry": 0},
           "status": "error", "status_message": "connection refused"}
ANSWERED = {**REFUSED, "span_id": "c" * 16, "start": T0 + 0.010, "duration_ms": 20.0,
            "attributes": {"store.endpoint": "http://127.0.0.1:4002", "store.outcome": "ok",
                           "store.failover": True, "store.retry": 0, "store.revision": 42},
            "status": "unset", "status_message": ""}


def test_the_waterfall_indents_children_and_places_bars_on_the_traces_time_axis():
    lines = render([ANSWERED, SERVER, REFUSED], width=40)
    assert [line[:20].rstrip() for line in lines] == [
        "web-2: GET /kv/{key}", "  web-2: store get", "  web-2: store get"]
    server, refused, answered = lines
    assert "0.0ms" in server and "40.0ms" in server and "HTTP 200" in server
    assert "|" + "█" * 40 + "|" in server
    assert "unavailable" in refused and "connection refused" in refused
    assert "ok failover rev 42" in answered and "10.0ms" in answered
    bar = answered.split("|")[1]
    assert bar.index("█") == 10 and bar.count("█") == 20


class FakeClient:
    def __init__(self, answers: dict) -> None:
        self.answers = answers
        self.asked: list[tuple[str, dict]] = []

    def get(self, path: str, params: dict | None = None):
        self.asked.append((path, params or {}))
        return self.answers[path]


@pytest.fixture
def client(monkeypatch) -> FakeClient:
    fake = FakeClient({
        f"/api/traces/{'1' * 32}": {"trace_id": "1" * 32,
                                    "spans": [SERVER, REFUSED, ANSWERED]},
        "/api/traces": [{"trace_id": "1" * 32, "root_service": "web-2",
                         "root_name": "GET /kv/{key}", "start": T0, "duration_ms": 40.0,
                         "span_count": 3, "error": True}]})
    monkeypatch.setattr(traces_cli, "call", lambda state_dir, action: action(fake))
    return fake


def test_gameday_trace_prints_the_waterfall(client):
    result = CliRunner().invoke(app, ["trace", "1" * 32])
    assert result.exit_code == 0, result.output
    assert f"trace {'1' * 32}  3 spans  40.0 ms" in result.output
    assert "web-2: GET /kv/{key}" in result.output and "  web-2: store get" in result.output


def test_gameday_traces_passes_its_flags_as_the_apis_filters(client):
    result = CliRunner().invoke(app, ["traces", "--slowest", "5", "--errors", "--since", "5m",
                                      "--service", "web-2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["root_service"] == "web-2"
    assert client.asked == [("/api/traces", {"limit": "5", "order": "slowest", "error": "true",
                                             "since": "5m", "service": "web-2"})]
    plain = CliRunner().invoke(app, ["traces"])
    assert plain.exit_code == 0 and "1" * 32 in plain.output
    assert client.asked[-1] == ("/api/traces", {"limit": "20"})
