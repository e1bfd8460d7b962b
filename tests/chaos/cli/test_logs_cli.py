"""`gameday logs`: the flags become the API's filters, lines are printed interleaved as the
API ordered them, and `gameday logs NAME` still tails the file when no controller answers."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chaos.cli import app
from chaos.cli import logs as logs_cli
from chaos.cli.client import ControllerUnavailable

TRACE = "5b8aa5a2d2c872e8321cf37308d69df2"
ENTRIES = [
    {"id": 7, "time": 1_700_000_000.25, "component": "lb", "level": "info",
     "logger": "haproxy.access", "message": f"status=200 trace_id={TRACE}", "trace_id": TRACE,
     "span_id": None},
    {"id": 5, "time": 1_700_000_000.5, "component": "web-2", "level": "info", "logger": "a",
     "message": "GET /kv/a 200 3.0ms", "trace_id": TRACE, "span_id": "9" * 16},
    {"id": 9, "time": 1_700_000_001.0, "component": "store-1", "level": None, "logger": None,
     "message": "plain", "trace_id": None, "span_id": None},
]


class FakeClient:
    def __init__(self, state, timeout: float = 10.0) -> None:
        self.asked: list[dict] = []
        FakeClient.last = self

    def get(self, path: str, params: dict | None = None):
        assert path == "/api/logs"
        self.asked.append(params or {})
        return ENTRIES


@pytest.fixture
def client(monkeypatch, tmp_path):
    monkeypatch.setenv("GAMEDAY_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(logs_cli, "ControllerClient", FakeClient)
    return FakeClient


def test_flags_become_the_apis_filters_and_lines_keep_the_apis_order(client):
    result = CliRunner().invoke(app, ["logs", "web-2", "lb", "--grep", TRACE, "--level",
                                      "info", "--since", "10m", "--trace", TRACE, "-n", "50"])
    assert result.exit_code == 0, result.output
    assert client.last.asked == [{"limit": "50", "component": ["web-2", "lb"], "grep": TRACE,
                                  "level": "info", "since": "10m", "trace_id": TRACE}]
    printed = result.output.splitlines()
    assert [line.split()[1] for line in printed] == ["lb", "web-2", "store-1"]
    assert printed[1].endswith(f"GET /kv/a 200 3.0ms  trace={TRACE}")
    assert " INFO " in printed[1] and " - " in printed[2]


def test_json_is_the_apis_answer(client):
    result = CliRunner().invoke(app, ["logs", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == ENTRIES
    assert client.last.asked == [{"limit": "100", "component": []}]


def test_one_name_without_a_controller_tails_its_file_as_before(monkeypatch, tmp_path):
    monkeypatch.setenv("GAMEDAY_STATE_DIR", str(tmp_path))

    def unavailable(state, timeout: float = 10.0):
        raise ControllerUnavailable("gameday is not running")

    monkeypatch.setattr(logs_cli, "ControllerClient", unavailable)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "web-1.log").write_text("".join(f"line {n}\n" for n in range(10)))
    result = CliRunner().invoke(app, ["logs", "web-1", "-n", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["line 7", "line 8", "line 9"]
    missing = CliRunner().invoke(app, ["logs", "web-9"])
    assert missing.exit_code == 1 and "known: web-1" in missing.output
    searched = CliRunner().invoke(app, ["logs", "--grep", "x"])
    assert searched.exit_code == 1 and "not running" in searched.output


def test_one_name_under_compose_reads_the_store_so_a_drill_hides_the_same_lines(
        client, monkeypatch, tmp_path):
    (tmp_path / "compose.json").write_text("{}")
    called: list[str] = []
    monkeypatch.setattr(logs_cli.compose_cli, "compose_logs",
                        lambda state, name, **kw: called.append(name) or 0)
    result = CliRunner().invoke(app, ["logs", "web-2", "-n", "20"])
    assert result.exit_code == 0, result.output
    assert called == []
    assert client.last.asked == [{"limit": "20", "component": ["web-2"]}]


def test_one_name_under_compose_without_a_controller_is_the_containers_log(
        monkeypatch, tmp_path):
    monkeypatch.setenv("GAMEDAY_STATE_DIR", str(tmp_path))
    (tmp_path / "compose.json").write_text("{}")

    def unavailable(state, timeout: float = 10.0):
        raise ControllerUnavailable("gameday is not running")

    called: list[tuple] = []
    monkeypatch.setattr(logs_cli, "ControllerClient", unavailable)
    monkeypatch.setattr(logs_cli.compose_cli, "compose_logs",
                        lambda state, name, **kw: called.append((name, kw)) or 0)
    result = CliRunner().invoke(app, ["logs", "web-1", "-n", "5", "-f"])
    assert result.exit_code == 0, result.output
    assert called == [("web-1", {"follow": True, "lines": 5})]
