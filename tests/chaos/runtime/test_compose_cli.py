"""Which services `compose_up` starts: everything with the official images; without Grafana
and Jaeger with the offline ones (no offline image of either), Compose's own list otherwise."""

from __future__ import annotations

import subprocess

import pytest

from chaos.runtime import compose_cli
from chaos.state import StateDir

SERVICES = ["token-init", "proxy", "store-1", "web-1", "lb", "prometheus", "alertmanager",
            "loadgen", "controller", "jaeger", "grafana"]


@pytest.fixture
def compose(monkeypatch):
    """Records the `up` command line; `config --services` answers SERVICES."""
    calls: list[list[str]] = []

    def run(args, **_kwargs):
        calls.append(list(args))
        out = "\n".join(SERVICES) + "\n" if "config" in args else ""
        return subprocess.CompletedProcess(args, 0, stdout=out, stderr="")

    monkeypatch.setattr(compose_cli, "compose_command", lambda: ["docker", "compose"])
    monkeypatch.setattr(compose_cli.subprocess, "run", run)
    monkeypatch.setattr(compose_cli, "controller_status",
                        lambda _state: {"healthy": True, "phase": "ready"})
    return calls


def started(calls: list[list[str]]) -> list[str] | None:
    """The services named after `up -d`, or None when Compose starts its default set."""
    (up,) = [c for c in calls if "up" in c]
    named = up[up.index("-d") + 1:]
    return named or None


@pytest.mark.parametrize(("offline", "grafana", "left_out"), [
    (False, None, None),  # Compose's default set: Jaeger and Grafana included
    (False, False, {"grafana"}),
    (True, None, {"grafana", "jaeger"}),
    (True, True, {"jaeger"}),
])
def test_offline_leaves_jaeger_out(compose, tmp_path, offline, grafana, left_out):
    compose_cli.compose_up(StateDir(tmp_path), offline=offline, grafana=grafana, timeout=5)
    named = started(compose)
    if left_out is None:
        assert named is None
    else:
        assert named == [s for s in SERVICES if s not in left_out]
    files = [arg for call in compose for i, arg in enumerate(call) if call[i - 1] == "-f"]
    assert any(f.endswith("docker-compose.offline.yml") for f in files) is offline


def test_the_jaeger_ui_is_listed_with_the_other_endpoints():
    lines = compose_cli.endpoint_lines({"endpoints": {
        "api": "http://127.0.0.1:8080", "jaeger": "http://127.0.0.1:16686"}})
    assert ("Jaeger (traces)", "http://127.0.0.1:16686") in lines
