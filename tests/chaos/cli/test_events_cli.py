"""`gameday events`: --since, --kind, --component and --source become the API's filters (each
repeatable); the table and --json show what the API answered, oldest first."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chaos.cli import app
from chaos.cli import events as events_cli

EVENTS = [
    {"ts": 1_700_000_000.0, "source": "component", "kind": "component.exit",
     "component": "web-2", "components": ["web-2"], "actor": "controller",
     "summary": "web-2 exited: terminated by signal 9", "ref": None,
     "details": {"exit": "terminated by signal 9"}},
    {"ts": 1_700_000_003.0, "source": "store", "kind": "store.leader_changed",
     "component": "store-2", "components": ["store-1", "store-2"], "actor": "controller",
     "summary": "store leader store-1 -> store-2", "ref": None,
     "details": {"from": "store-1", "to": "store-2"}},
]


class FakeClient:
    asked: list[tuple[str, dict]] = []

    def get(self, path: str, params: dict | None = None):
        FakeClient.asked.append((path, params or {}))
        return EVENTS


@pytest.fixture
def asked(monkeypatch):
    FakeClient.asked = []
    monkeypatch.setattr(events_cli, "call", lambda state_dir, fn: fn(FakeClient()))
    return FakeClient.asked


def test_the_flags_become_the_apis_filters(asked):
    result = CliRunner().invoke(app, ["events", "--since", "10m", "--kind", "fault", "--kind",
                                      "page.fired", "--component", "web-2", "--source",
                                      "store", "--json"])
    assert result.exit_code == 0, result.output
    assert asked == [("/api/events", {"since": "10m", "kind": ["fault", "page.fired"],
                                      "component": ["web-2"], "source": ["store"]})]
    assert json.loads(result.output) == EVENTS


def test_the_table_lists_each_event_oldest_first(asked):
    result = CliRunner().invoke(app, ["events"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert asked == [("/api/events", {"since": "15m"})]
    lines = [line for line in result.output.splitlines() if "exit" in line or "leader" in line]
    assert "component.exit" in lines[0] and "terminated by signal 9" in lines[0]
    assert "store.leader_changed" in lines[1] and "store-1 -> store-2" in lines[1]
