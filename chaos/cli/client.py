"""How the CLI finds and talks to a stack's controller."""

from __future__ import annotations

from typing import Any

import httpx
import psutil

from chaos.stack.plan import StackPlan
from chaos.state import StateDir


class ControllerUnavailable(Exception):
    pass


class ApiError(Exception):
    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


def controller_pid(state: StateDir) -> int | None:
    """The pid of this stack's live controller, or None."""
    try:
        pid = int(state.controller_pid_file.read_text().strip())
        proc = psutil.Process(pid)
        if "chaos.controller" in " ".join(proc.cmdline()) and proc.status() != psutil.STATUS_ZOMBIE:
            return pid
    except (FileNotFoundError, ValueError, psutil.Error):
        pass
    return None


class ControllerClient:
    def __init__(self, state: StateDir, timeout: float = 10.0) -> None:
        raw = state.read_json(state.stack_file)
        if raw is None:
            raise ControllerUnavailable(f"no stack in {state.root}; run `gameday up` first")
        self.plan = StackPlan.model_validate(raw)
        self.state = state
        self.http = httpx.Client(base_url=self.plan.controller_url, timeout=timeout)

    def _headers(self) -> dict[str, str]:
        token = self.state.token()
        return {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, headers=self._headers(), **kwargs)
        except httpx.HTTPError as exc:
            if self.plan.runtime == "local" and controller_pid(self.state) is None:
                raise ControllerUnavailable(
                    f"gameday is not running (state dir {self.state.root}): "
                    "start it with `gameday up`"
                ) from exc
            raise ControllerUnavailable(
                f"the controller at {self.plan.controller_url} does not answer ({exc})"
            ) from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ApiError(response.status_code, detail)
        return response.json() if response.content else None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)
