"""The controller connection an activity uses, from its `configuration` and `secrets`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
from chaoslib.exceptions import ActivityFailed

from chaos.stack.plan import StackPlan
from chaos.state import StateDir

DEFAULT_TIMEOUT_SECONDS = 30.0

# Tests (and embedders) may route every client through their own transport.
_transport: httpx.BaseTransport | None = None


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Send every request through `transport` (None: the network, the default)."""
    global _transport
    _transport = transport


def transport() -> httpx.BaseTransport | None:
    return _transport


def _settings(configuration: dict[str, Any] | None,
              secrets: dict[str, Any] | None) -> tuple[str, str | None]:
    config = configuration or {}
    token = (secrets or {}).get("token") or None
    url = config.get("gameday_controller_url")
    state_dir = config.get("gameday_state_dir") or (
        None if url else os.environ.get("GAMEDAY_STATE_DIR"))
    if state_dir:
        state = StateDir(Path(state_dir))
        if url is None:
            try:
                plan = json.loads(state.stack_file.read_text())
            except FileNotFoundError:
                raise ActivityFailed(
                    f"no stack in {state.root} (no stack.json): run `gameday up` first, or "
                    "set gameday_controller_url") from None
            url = StackPlan.model_validate(plan).controller_url
        token = token or state.token()
    if not url:
        raise ActivityFailed(
            "configure gameday_state_dir or gameday_controller_url in the experiment's "
            "configuration")
    return str(url).rstrip("/"), token


def client(configuration: dict[str, Any] | None = None,
           secrets: dict[str, Any] | None = None,
           timeout: float = DEFAULT_TIMEOUT_SECONDS) -> httpx.Client:
    url, token = _settings(configuration, secrets)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url, headers=headers, timeout=timeout, transport=_transport)


def call(method: str, path: str, configuration: dict[str, Any] | None,
         secrets: dict[str, Any] | None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
         **kwargs: Any) -> Any:
    """One controller request; a refusal becomes ActivityFailed naming the status and why."""
    with client(configuration, secrets, timeout) as http:
        try:
            response = http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ActivityFailed(
                f"the gameday controller at {http.base_url} does not answer ({exc})") from exc
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise ActivityFailed(f"{method} {path}: HTTP {response.status_code}: {detail}")
    return response.json() if response.content else None
