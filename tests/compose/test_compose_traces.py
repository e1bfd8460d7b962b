"""Traces under Compose (no Docker needed): web and the load generator export their spans to
the controller's OTLP receiver, the controller relays them to Jaeger (pinned all-in-one image,
OTLP in, its UI on 127.0.0.1, a health check), and the offline stack runs without Jaeger."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from chaos.runtime import compose_files, docker_plan
from chaos.settings import Settings
from chaos.stack.telemetry import TRACES_PATH
from services.web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
OFFLINE = yaml.safe_load((ROOT / "compose/offline/docker-compose.offline.yml").read_text())
SERVICES = COMPOSE["services"]
JAEGER = SERVICES["jaeger"]
JAEGER_OTLP = "http://jaeger:4318/v1/traces"


def test_jaeger_is_the_official_all_in_one_image_pinned_to_a_release():
    found = re.fullmatch(r"\$\{JAEGER_IMAGE:-(?P<image>[^}]+)\}", JAEGER["image"])
    assert found, JAEGER["image"]
    assert re.fullmatch(r"jaegertracing/all-in-one:\d+\.\d+\.\d+", found["image"])


def test_jaeger_takes_otlp_keeps_a_bounded_memory_store_and_has_a_health_check():
    env = JAEGER["environment"]
    assert env["COLLECTOR_OTLP_ENABLED"] == "true"
    assert env["SPAN_STORAGE_TYPE"] == "memory" and 0 < int(env["MEMORY_MAX_TRACES"]) <= 100_000
    assert JAEGER["mem_limit"]
    check = JAEGER["healthcheck"]
    assert check["test"][:2] == ["CMD", "wget"] and check["test"][-1].startswith(
        "http://127.0.0.1:14269/")  # the admin port's health check
    assert check["retries"] * int(check["interval"].rstrip("s")) >= 30


def test_only_jaegers_ui_is_published_on_the_loopback_interface():
    assert JAEGER["ports"] == ["127.0.0.1:${GAMEDAY_JAEGER_PORT:-16686}:16686"]
    assert docker_plan.PUBLISHED["jaeger"] == ("GAMEDAY_JAEGER_PORT", 16686)
    # Its OTLP ports stay inside the Compose network: only the controller sends to them.
    assert not any("4318" in p or "4317" in p for s in SERVICES.values()
                   for p in s.get("ports", []))


def test_every_web_instance_exports_its_spans_to_the_controllers_receiver(monkeypatch):
    wanted = "http://controller:8700" + TRACES_PATH
    assert compose_files.web_traces_endpoint(compose_files.compose_plan()) == wanted
    for web in docker_plan.webs():
        env = SERVICES[web]["environment"]
        assert env["GAMEDAY_WEB_TRACES_ENDPOINT"] == wanted, web
        # ... a variable web reads, with the token the receiver takes (the stack's, from its
        # file: the exporter sends it as a bearer token).
        for key, value in env.items():
            monkeypatch.setenv(key, str(value))
        monkeypatch.setenv("GAMEDAY_WEB_ADMIN_TOKEN", "stack-token")
        settings = WebSettings()
        assert settings.traces_endpoint == wanted and settings.tracing
        assert settings.admin_token == "stack-token"


def test_the_load_generator_exports_its_own_spans_there_too():
    env = SERVICES["loadgen"]["environment"]
    assert env["GAMEDAY_LOADGEN_TRACES_ENDPOINT"] == "http://controller:8700" + TRACES_PATH
    assert env["GAMEDAY_ADMIN_TOKEN_FILE"]  # the token the receiver takes
    requirements = (ROOT / "compose/docker/requirements-loadgen.txt").read_text()
    assert "opentelemetry-sdk==" in requirements
    assert "opentelemetry-exporter-otlp-proto-http==" in requirements


def test_the_controller_relays_to_jaeger_without_waiting_for_it(monkeypatch):
    env = SERVICES["controller"]["environment"]
    assert env["GAMEDAY_TRACES_FORWARD_URL"] == JAEGER_OTLP
    monkeypatch.setenv("GAMEDAY_TRACES_FORWARD_URL", env["GAMEDAY_TRACES_FORWARD_URL"])
    assert Settings().traces_forward_url == JAEGER_OTLP
    # Best effort: the controller (and so the stack) comes up without Jaeger, e.g. offline.
    assert "jaeger" not in SERVICES["controller"]["depends_on"]
    assert not any("jaeger" in (s.get("depends_on") or {}) for s in SERVICES.values())
    assert env["GAMEDAY_JAEGER_PORT"] == "${GAMEDAY_JAEGER_PORT:-16686}"


def test_jaegers_ui_is_an_endpoint_only_when_its_service_exists():
    with_jaeger = docker_plan.build_compose_plan(Path("/state"), admin_token="t")
    assert with_jaeger.endpoints["jaeger"] == "http://127.0.0.1:16686"
    offline = docker_plan.build_compose_plan(Path("/state"), admin_token="t", jaeger=False,
                                             env={"GAMEDAY_JAEGER_PORT": "26686"})
    assert "jaeger" not in offline.endpoints


def test_the_offline_stack_leaves_jaeger_out_and_relays_nothing_by_default():
    assert OFFLINE["services"]["jaeger"] == {"profiles": ["jaeger"]}
    controller = OFFLINE["services"]["controller"]
    assert controller["environment"]["GAMEDAY_TRACES_FORWARD_URL"] == (
        "${GAMEDAY_TRACES_FORWARD_URL:-}")
    assert controller["build"]["args"]["PYTHON_IMAGE"].startswith("gameday-offline/")


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_docker_compose_resolves_the_offline_controller_to_no_relay():
    run = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "-f",
         "compose/offline/docker-compose.offline.yml", "config"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "GAMEDAY_STATE_DIR": "/tmp/x"})
    assert run.returncode == 0, run.stderr
    resolved = yaml.safe_load(run.stdout)["services"]
    assert resolved["controller"]["environment"]["GAMEDAY_TRACES_FORWARD_URL"] in ("", None)
    assert resolved["web-1"]["environment"]["GAMEDAY_WEB_TRACES_ENDPOINT"] == (
        "http://controller:8700/v1/traces")
