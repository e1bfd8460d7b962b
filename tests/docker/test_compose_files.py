"""The Compose files and the Docker runtime's plan describe the same stack (no Docker needed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from chaos.faults import FAULTS
from chaos.runtime import compose_files, docker_plan
from chaos.stack import prometheus
from chaos.stack.plan import StackPlan

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
OFFLINE = yaml.safe_load((ROOT / "compose/offline/docker-compose.offline.yml").read_text())
SERVICES = COMPOSE["services"]


def plan() -> StackPlan:
    return docker_plan.build_compose_plan(Path("/state"), admin_token="t")


def test_same_component_names_as_the_local_runtime():
    names = set(plan().names()) | {"controller"}
    assert names == {"proxy", "store-1", "store-2", "store-3", "web-1", "web-2", "web-3", "lb",
                     "prometheus", "alertmanager", "loadgen", "controller"}
    # token-init: a one-shot; grafana and jaeger: UIs, not components of the plan.
    assert set(SERVICES) == names | {"grafana", "jaeger", "token-init"}


def test_file_format_and_hardening():
    assert COMPOSE["version"] == "2.4" and OFFLINE["version"] == "2.4"
    for name, service in SERVICES.items():
        if name == "token-init":  # a one-shot (see tests/compose/test_compose_token.py)
            continue
        assert "healthcheck" in service, name
        assert service.get("mem_limit"), name
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)
        for dep, condition in (service.get("depends_on") or {}).items():
            wanted = "service_completed_successfully" if dep == "token-init" else "service_healthy"
            assert condition == {"condition": wanted}, (name, dep)
    with_socket = [n for n, s in SERVICES.items()
                   if any("docker.sock" in v for v in s.get("volumes", []))]
    assert with_socket == ["controller"]
    assert {"store-1-data", "store-2-data", "store-3-data", "prometheus-data"} <= set(
        COMPOSE["volumes"])
    # Offline: every official image swapped, Grafana moved out of the default profile.
    for name in ("store-1", "store-2", "store-3", "lb", "prometheus"):
        assert OFFLINE["services"][name]["image"].startswith("gameday-offline/")
    assert OFFLINE["services"]["grafana"]["profiles"] == ["grafana"]


def test_the_generated_files_are_what_the_plan_gives():
    assert compose_files.stale() == [], "run python -m chaos.runtime.compose_files"
    assert compose_files.main(["--check"]) == 0


def test_a_hand_edit_of_a_generated_file_is_caught(tmp_path):
    for name in compose_files.FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text((ROOT / name).read_text())
    assert compose_files.stale(tmp_path) == []
    cfg = tmp_path / "compose/haproxy/haproxy.compose.cfg"
    cfg.write_text(cfg.read_text().replace("proxy:10002", "web-2:8000"))
    assert compose_files.stale(tmp_path) == ["compose/haproxy/haproxy.compose.cfg"]


def test_store_commands_match_the_plan():
    for store in docker_plan.STORES:
        assert SERVICES[store]["command"] == docker_plan.store_argv(store)[1:]


def test_web_store_endpoints_match_the_plan():
    for web in docker_plan.webs():
        env = SERVICES[web]["environment"]
        assert env["GAMEDAY_WEB_STORE_ENDPOINTS"] == docker_plan.web_store_endpoints(web)
        assert env["GAMEDAY_WEB_NAME"] == web


def test_proxy_links_file_is_rendered_from_the_plan():
    on_disk = json.loads((ROOT / "compose/docker/proxy-links.json").read_text())
    assert on_disk == docker_plan.proxy_config()


def test_haproxy_servers_go_through_the_proxy_links():
    cfg = (ROOT / "compose/haproxy/haproxy.compose.cfg").read_text()
    servers = dict(re.findall(r"^\s+server (\S+) (\S+) check", cfg, re.M))
    assert servers == {w: f"proxy:{docker_plan.lb_link_port(w)}" for w in docker_plan.webs()}


def test_prometheus_jobs_and_instances_match_the_local_runtime():
    config = yaml.safe_load((ROOT / "compose/prometheus/prometheus.compose.yml").read_text())
    compose_plan = plan()
    seen = {
        (job["job_name"], static["labels"]["instance"])
        for job in config["scrape_configs"] for static in job.get("static_configs", [])
    }
    # The web job reads the file the controller writes (prometheus.file_sd) on start and scale.
    (web_job,) = [job for job in config["scrape_configs"] if job["job_name"] == "web"]
    (sd_file,) = web_job["file_sd_configs"][0]["files"]
    assert sd_file == f"{docker_plan.PROMETHEUS_TARGETS_DIR}/web.json"
    for entry in json.loads(prometheus.file_sd(compose_plan, "web")):
        seen.add(("web", entry["labels"]["instance"]))
    expected = {(c.role, c.name) for c in compose_plan.components} | {("controller", "controller")}
    assert seen == expected


def test_prometheus_and_the_controller_share_the_scrape_targets_volume():
    assert (f"scrape-targets:{docker_plan.PROMETHEUS_TARGETS_DIR}:ro"
            in SERVICES["prometheus"]["volumes"])
    assert (f"scrape-targets:{docker_plan.SCRAPE_TARGETS_DIR}"
            in SERVICES["controller"]["volumes"])
    assert plan().scrape_targets_dir == docker_plan.SCRAPE_TARGETS_DIR


def test_the_web_targets_file_follows_a_scale_in():
    targets = json.loads(prometheus.file_sd(plan(), "web", {"web-1", "web-2", "lb"}))
    assert targets == [
        {"targets": ["web-1:8000"], "labels": {"instance": "web-1"}},
        {"targets": ["web-2:8000"], "labels": {"instance": "web-2"}},
    ]


def test_every_link_has_a_distinct_address_for_its_dialler():
    from chaos.links import LinkTable

    table = LinkTable.from_components(docker_plan.webs(), docker_plan.STORES)
    addresses = {}
    for link in table.links:
        key = (link.src, docker_plan.link_address(link.name))
        assert key not in addresses, (link.name, addresses.get(key))
        addresses[key] = link.name
    listening = {int(link.listen.rsplit(":", 1)[1]) for link in plan().proxy_links}
    assert {port for _, (_, port) in addresses} <= listening


def test_catalog_names_a_docker_mechanism_or_a_reason_for_every_fault():
    for name, cls in FAULTS.items():
        assert cls.mechanisms.get("docker") or cls.unsupported.get("docker"), name


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_docker_compose_accepts_both_files():
    for files in (["-f", "docker-compose.yml"],
                  ["-f", "docker-compose.yml", "-f", "compose/offline/docker-compose.offline.yml"]):
        run = subprocess.run(["docker-compose", *files, "config", "-q"], cwd=ROOT,
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr
