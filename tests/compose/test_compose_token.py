"""No well-known secret in the Compose files: a token-init service writes a random token into
a volume that every service needing it mounts read-only (no Docker needed to check)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import yaml

from chaos import token_init
from chaos.proxy.token import read_admin_token
from chaos.runtime.compose_cli import compose_env
from chaos.state import StateDir
from services.loadgen.auth import read_admin_token as loadgen_token
from services.web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(TEXT)
OFFLINE = yaml.safe_load((ROOT / "compose/offline/docker-compose.offline.yml").read_text())
SERVICES = COMPOSE["services"]
NEEDS_TOKEN = ["proxy", "web-1", "web-2", "web-3", "loadgen", "controller"]
# Alertmanager reads it through its own configuration (the webhook's credentials_file).
READS_IN_CONFIG = ["alertmanager"]
TOKEN_FILE = "/run/gameday/admin/admin-token"


def test_no_literal_or_defaulted_token_anywhere():
    assert "gameday-compose-admin" not in TEXT
    # no ${GAMEDAY_ADMIN_TOKEN...} substitution (with or without a default), no inline token
    assert not re.search(r"\$\{GAMEDAY_(WEB_)?ADMIN_TOKEN\b", TEXT)
    for name, service in SERVICES.items():
        env = service.get("environment") or {}
        for key in ("GAMEDAY_ADMIN_TOKEN", "GAMEDAY_WEB_ADMIN_TOKEN"):
            assert key not in env, (name, key)


def test_every_service_that_needs_the_token_mounts_it_read_only_and_waits_for_it():
    for name in NEEDS_TOKEN:
        service = SERVICES[name]
        assert "admin-token:/run/gameday/admin:ro" in service["volumes"], name
        assert service["environment"]["GAMEDAY_ADMIN_TOKEN_FILE"] == TOKEN_FILE, name
        assert service["depends_on"]["token-init"] == {
            "condition": "service_completed_successfully"
        }, name
    others = [n for n in SERVICES
              if n not in NEEDS_TOKEN + READS_IN_CONFIG and n != "token-init"]
    for name in others:  # nobody else gets to read it
        assert not any("admin-token" in v for v in SERVICES[name].get("volumes", [])), name


def test_token_init_writes_into_the_volume_as_the_services_user():
    init = SERVICES["token-init"]
    assert init["command"][:3] == ["python", "-m", "chaos.token_init"]
    assert init["command"][3] == TOKEN_FILE and init["command"][4:] == ["--owner", "10001"]
    assert init["volumes"] == ["admin-token:/run/gameday/admin"]
    assert "admin-token" in COMPOSE["volumes"]
    assert SERVICES["proxy"]["user"] == "10001"  # the owner the token is given to
    assert OFFLINE["services"]["token-init"]["build"]["args"]["PYTHON_IMAGE"].startswith(
        "gameday-offline/")


def test_token_init_creates_a_0600_token_once(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "admin" / "admin-token"
        assert token_init.main([str(path), "--owner", str(os.getuid())]) == 0
        first = path.read_text()
        assert len(first.strip()) >= 32
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert token_init.ensure_admin_token(path) is False  # kept on a restart
        assert path.read_text() == first
    finally:
        os.umask(old)


def test_every_reader_finds_the_token_through_the_file(tmp_path, monkeypatch):
    path = tmp_path / "admin-token"
    token_init.ensure_admin_token(path)
    token = path.read_text().strip()
    env = {"GAMEDAY_ADMIN_TOKEN_FILE": str(path)}
    assert read_admin_token(env) == token  # proxy and controller (chaos.runtime.docker)
    assert loadgen_token(env) == token
    for key in ("GAMEDAY_WEB_ADMIN_TOKEN", "GAMEDAY_ADMIN_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GAMEDAY_ADMIN_TOKEN_FILE", str(path))
    assert WebSettings().admin_token == token


def test_gameday_passes_no_token_to_compose_and_reads_the_controllers(tmp_path, monkeypatch):
    monkeypatch.setenv("GAMEDAY_ADMIN_TOKEN", "from-the-shell")
    state = StateDir(tmp_path)
    env = compose_env(state)
    assert "GAMEDAY_ADMIN_TOKEN" not in env
    assert not (tmp_path / "admin-token").exists()
    # The controller inside Compose writes <state>/token (0600); the CLI reads it from there.
    written = state.ensure_token()
    assert state.token() == written
    assert stat.S_IMODE(state.token_file.stat().st_mode) == 0o600


def test_alertmanager_reads_the_token_file_only_to_call_the_controllers_webhook():
    [name] = READS_IN_CONFIG
    service = SERVICES[name]
    assert "admin-token:/run/gameday/admin:ro" in service["volumes"]
    assert service["depends_on"]["token-init"] == {"condition": "service_completed_successfully"}
    assert service["user"] == "10001"  # the file is 0600 for uid 10001
    config = yaml.safe_load((ROOT / "compose/alertmanager/alertmanager.yml").read_text())
    [pager] = [r for r in config["receivers"] if r["name"] == "pager"]
    [hook] = pager["webhook_configs"]
    assert hook["url"] == "http://controller:8700/api/alertmanager/webhook"
    assert hook["http_config"]["authorization"] == {"type": "Bearer",
                                                     "credentials_file": TOKEN_FILE}
