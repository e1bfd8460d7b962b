"""Is the stack back to its baseline? Asked of the real components, never of our own records.

`Baseline(stack).differences()` returns one line per thing that is not as planned, each with
the evidence it was read from (an empty list means: baseline):

- the fault proxy's fault table is empty (`GET <proxy admin>/faults`);
- no recorded process is stopped, gone, or held down (psutil on the pids the runtime recorded
  in processes.json, and `gameday status`);
- every HAProxy server of the `web` backend is in its planned state (`show servers state` on
  the runtime API socket): a slot the plan runs is READY and UP, any other is in maintenance;
- no etcd member has an alarm (`/v3/maintenance/alarm`) and the members agree on exactly one
  leader (`/v3/maintenance/status` on each);
- no web instance holds an in-process fault (`GET /admin/faults` with the stack's admin token);
- a write through the `api` endpoint succeeds.

Checks are separate methods so another runtime (tests/docker/e2e.py) can replace the ones
whose evidence lives elsewhere (container states, HAProxy inside a container).
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import psutil

from chaos.stack.plan import StackPlan

# HAProxy's srv_admin_state bits that mean "in maintenance" (config, forced, inherited,
# resolution) and "drain" (forced, inherited): see HAProxy's management guide.
ADMIN_MAINT = 0x01 | 0x02 | 0x04 | 0x20
ADMIN_DRAIN = 0x08 | 0x10
OP_RUNNING = 2


@dataclass
class Baseline:
    """The checks, bound to one stack's plan, state dir and (optional) `gameday status`."""

    plan: StackPlan
    records: Callable[[], dict] = field(default=lambda: {})
    status: Callable[[], dict] | None = None
    active_webs: Callable[[], list[str]] | None = None
    timeout: float = 2.0

    @classmethod
    def of(cls, stack) -> Baseline:
        """For a tests.integration.stackctl.Stack (the local runtime)."""
        plan = StackPlan.model_validate(stack.state.read_json(stack.state.stack_file))

        def active_webs() -> list[str]:
            wanted = (stack.state.read_json(stack.state.scale_file) or {}).get("web")
            webs = plan.names("web")
            if wanted is None:
                return [c.name for c in plan.components if c.role == "web" and not c.standby]
            return webs[:wanted]

        return cls(
            plan=plan,
            records=lambda: stack.state.read_json(stack.state.processes_file) or {},
            status=lambda: stack.controller.get("/api/status"),
            active_webs=active_webs,
        )

    # -- the whole check -------------------------------------------------------------------

    def differences(self) -> list[str]:
        found: list[str] = []
        for check in self.checks():
            try:
                found.extend(check())
            except Exception as exc:  # noqa: BLE001 - an unanswered probe is a difference too
                found.append(f"{check.__name__}: could not check: {type(exc).__name__}: {exc}")
        return found

    def checks(self) -> list[Callable[[], list[str]]]:
        return [
            self.proxy_faults,
            self.processes,
            self.lb_servers,
            self.store,
            self.web_faults,
            self.write,
        ]

    def wait(self, timeout: float = 30.0, interval: float = 0.5) -> list[str]:
        """Poll until the stack is at baseline; [] on success, else the last differences.

        Recovery takes real time (a restarted instance passes two HAProxy checks, etcd elects),
        so a single look right after a revert would report that time, not a defect.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.differences()
            if not found or time.monotonic() >= deadline:
                return found
            time.sleep(interval)

    # -- the checks ------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.plan.admin_token}"}

    def planned_webs(self) -> list[str]:
        if self.active_webs is not None:
            return self.active_webs()
        return [c.name for c in self.plan.components if c.role == "web" and not c.standby]

    def planned(self) -> list[str]:
        webs = set(self.planned_webs())
        return [c.name for c in self.plan.components if c.role != "web" or c.name in webs]

    def proxy_faults(self) -> list[str]:
        response = httpx.get(
            f"{self.plan.proxy_admin_url}/faults", headers=self._headers(), timeout=self.timeout
        )
        response.raise_for_status()
        body = response.json()
        table = body.get("faults", body) if isinstance(body, dict) else body
        return [f"proxy: fault table not empty: {json.dumps(table)[:300]}"] if table else []

    def processes(self) -> list[str]:
        found = []
        records = self.records()
        for name in self.planned():
            record = records.get(name)
            if record is None:
                found.append(f"process {name}: no recorded pid (not running)")
                continue
            try:
                proc = psutil.Process(int(record["pid"]))
                state = proc.status()
                frozen = [c.pid for c in proc.children(recursive=True)
                          if c.status() == psutil.STATUS_STOPPED]
            except psutil.NoSuchProcess:
                found.append(f"process {name}: pid {record['pid']} is gone")
                continue
            if state in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
                found.append(f"process {name}: pid {record['pid']} is {state}")
            if frozen:
                found.append(f"process {name}: children {frozen} are stopped")
        if self.status is not None:
            shown = {c["name"]: c for c in self.status()["components"]}
            for name in self.planned():
                c = shown.get(name)
                if c is None:
                    found.append(f"status: {name} is not listed")
                elif c.get("held_down") or c.get("state") != "running":
                    found.append(
                        f"status: {name} is {c.get('state')}"
                        f"{' (held down)' if c.get('held_down') else ''}"
                    )
        return found

    def lb_servers(self) -> list[str]:
        found = []
        states = self.haproxy_servers()
        running = set(self.planned_webs())
        for web in self.plan.names("web"):
            row = states.get(web)
            if row is None:
                found.append(f"haproxy: no server web/{web}")
                continue
            admin, op = int(row["srv_admin_state"]), int(row["srv_op_state"])
            if web in running and (admin & (ADMIN_MAINT | ADMIN_DRAIN) or op != OP_RUNNING):
                found.append(f"haproxy: web/{web} should be READY and UP: admin_state={admin} "
                             f"op_state={op}")
            elif web not in running and not admin & ADMIN_MAINT:
                found.append(f"haproxy: web/{web} is not planned but is out of maintenance: "
                             f"admin_state={admin} op_state={op}")
        return found

    def haproxy_servers(self) -> dict[str, dict[str, str]]:
        """`show servers state web` over the runtime API socket, one dict per server."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(self.timeout)
            sock.connect(self.plan.lb_admin_socket)
            sock.sendall(b"show servers state web\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        lines = b"".join(chunks).decode().splitlines()
        header = next(line for line in lines if line.startswith("# be_id"))
        names = header.lstrip("# ").split()
        rows = [dict(zip(names, line.split(), strict=False))
                for line in lines if line and not line.startswith("#") and " " in line]
        return {row["srv_name"]: row for row in rows if "srv_name" in row}

    def store(self) -> list[str]:
        found = []
        leaders, members = set(), {}
        for name in self.plan.names("store"):
            url = self.plan.component(name).url
            try:
                alarms = httpx.post(f"{url}/v3/maintenance/alarm", json={"action": "GET"},
                                    timeout=self.timeout).json()
                status = httpx.post(f"{url}/v3/maintenance/status", json={},
                                    timeout=self.timeout).json()
            except httpx.HTTPError as exc:
                found.append(f"etcd {name}: does not answer: {type(exc).__name__}: {exc}")
                continue
            if alarms.get("alarms"):
                found.append(f"etcd {name}: alarms {alarms['alarms']}")
            members[name] = status.get("header", {}).get("member_id")
            leaders.add(status.get("leader"))
            if status.get("errors"):
                found.append(f"etcd {name}: status errors {status['errors']}")
        leaders.discard(None)
        if len(leaders) != 1:
            found.append(f"etcd: members do not agree on one leader: {sorted(leaders)}")
        elif (leader := next(iter(leaders))) not in members.values():
            found.append(f"etcd: the leader {leader} is none of the members {members}")
        return found

    def web_faults(self) -> list[str]:
        found = []
        for name in self.planned_webs():
            url = self.plan.component(name).url
            response = httpx.get(f"{url}/admin/faults", headers=self._headers(),
                                 timeout=self.timeout)
            response.raise_for_status()
            held = response.json().get("faults")
            if held:
                found.append(f"web {name}: holds in-process faults {json.dumps(held)[:300]}")
        return found

    def write(self) -> list[str]:
        key = f"gameday-baseline/{uuid.uuid4().hex[:8]}"
        api = self.plan.endpoints["api"]
        try:
            response = httpx.put(f"{api}/kv/{key}", json={"value": "baseline"},
                                 timeout=max(self.timeout, 3.0))
        except httpx.HTTPError as exc:
            return [f"api: a write failed: {type(exc).__name__}: {exc}"]
        if response.status_code != 200:
            return [f"api: a write answered {response.status_code}: {response.text[:200]}"]
        return []
