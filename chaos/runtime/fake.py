"""An in-memory runtime for testing the controller without processes or containers."""

from __future__ import annotations

from chaos.runtime.base import ComponentStatus, ProcessState, Runtime


class FakeRuntime(Runtime):
    """Records every call; components change state instantly."""

    name = "fake"

    def __init__(self, components: dict[str, str], capabilities: set[str] | None = None) -> None:
        self._roles = dict(components)
        self._states = {name: ProcessState.running for name in components}
        self._held: set[str] = set()
        self._env: dict[str, dict[str, str]] = {}
        self._capabilities = (
            capabilities
            if capabilities is not None
            else {"signals", "proxy", "env-redeploy", "app-admin", "store-admin"}
        )
        self.calls: list[tuple[str, str]] = []
        self.fail_next: dict[str, Exception] = {}

    def capabilities(self) -> set[str]:
        return set(self._capabilities)

    def statuses(self) -> list[ComponentStatus]:
        return [
            ComponentStatus(
                name=n, role=r, state=self._states[n], held_down=n in self._held, pid=1000 + i
            )
            for i, (n, r) in enumerate(self._roles.items())
        ]

    def env_of(self, name: str) -> dict[str, str]:
        return self._env.get(name, {})

    def _record(self, op: str, name: str) -> None:
        if name not in self._roles:
            raise KeyError(f"unknown component {name!r}")
        self.calls.append((op, name))
        error = self.fail_next.pop(op, None)
        if error is not None:
            raise error

    async def start(self, name: str) -> None:
        self._record("start", name)
        self._held.discard(name)
        self._states[name] = ProcessState.running

    async def stop(self, name: str, *, hold: bool = True) -> None:
        self._record("stop", name)
        if hold:
            self._held.add(name)
        self._states[name] = ProcessState.stopped

    async def kill(self, name: str, *, hold: bool = False) -> None:
        self._record("kill", name)
        if hold:
            self._held.add(name)
            self._states[name] = ProcessState.stopped
        else:
            self._states[name] = ProcessState.running  # an instant restart by the "supervisor"

    async def restart(self, name: str, *, env: dict[str, str] | None = None) -> None:
        self._record("restart", name)
        if env is not None:
            self._env[name] = dict(env)
        self._held.discard(name)
        self._states[name] = ProcessState.running

    async def pause(self, name: str) -> None:
        self._record("pause", name)
        self._states[name] = ProcessState.paused

    async def resume(self, name: str) -> None:
        self._record("resume", name)
        if self._states[name] == ProcessState.paused:
            self._states[name] = ProcessState.running
