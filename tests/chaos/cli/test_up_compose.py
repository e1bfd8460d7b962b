"""`gameday up --runtime docker` with --web and --no-load, Compose and controller faked."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from chaos.cli import app
from chaos.cli import stack as stack_cli

WEBS = ["web-1", "web-2", "web-3"]


def status(webs: list[str]) -> dict:
    components = [{"name": n, "role": "web", "state": "running", "health": "healthy"}
                  for n in webs]
    return {"components": components, "endpoints": {"api": "http://127.0.0.1:8080"},
            "healthy": True, "phase": "ready", "runtime": "docker", "store_leader": None}


class FakeController:
    """The controller's API as `up` uses it: scale, then status."""

    def __init__(self, calls: list) -> None:
        self.calls = calls
        self.webs = list(WEBS)

    def __call__(self, state, timeout: float = 10.0) -> FakeController:
        return self

    def post(self, path: str, json: dict) -> dict:
        self.calls.append((path, json))
        self.webs = WEBS[: json["count"]]
        return {"action": "scale", **json}

    def get(self, path: str) -> dict:
        return status(self.webs)


@pytest.fixture
def compose(monkeypatch, tmp_path):
    calls: list = []

    def compose_up(state, *, rate, say):
        calls.append(("compose up", {"rate": rate}))
        return status(WEBS)

    monkeypatch.setattr(stack_cli.compose_cli, "compose_up", compose_up)
    monkeypatch.setattr(stack_cli, "ControllerClient", FakeController(calls))
    monkeypatch.setenv("GAMEDAY_STATE_DIR", str(tmp_path))
    return calls


def up(*args: str):
    return CliRunner().invoke(app, ["up", "--runtime", "docker", *args])


def test_fewer_web_instances_are_a_scale_in_after_compose_up(compose):
    result = up("--web", "2", "--rate", "5")
    assert result.exit_code == 0, result.output
    assert compose == [("compose up", {"rate": 5.0}),
                       ("/api/scale", {"role": "web", "count": 2})]
    assert "scaling web from 3 to 2" in result.output


def test_no_load_starts_the_load_generator_idle(compose):
    result = up("--no-load")
    assert result.exit_code == 0, result.output
    assert compose == [("compose up", {"rate": 0})]


def test_more_web_instances_than_compose_slots_is_refused_before_anything_starts(compose):
    result = up("--web", "4")
    assert result.exit_code == 2
    assert "--web" in result.output and "1 to 3" in result.output
    assert compose == []
