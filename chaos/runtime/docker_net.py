"""Network faults under Docker: iptables in the dialler's network namespace, the proxy for the rest.

Why iptables here: under Compose every component has its own network namespace, so a
partition can be what it is on real machines, packets dropped by the kernel, instead of a
userspace proxy closing sockets. Every link `a->b` is one (proxy address, port) as seen from
`a` (docker_plan.py), so two rules in `a`'s namespace cut exactly that link:

    OUTPUT -p tcp -d <proxy> --dport <port> -j REJECT --reject-with tcp-reset   (a's bytes to b)
    INPUT  -p tcp -s <proxy> --sport <port> -j DROP                             (b's answers to a)

Loss adds `-m statistic --mode random --probability P` (real packet loss: TCP retransmits).

How the controller gets into a namespace: `nsenter -t <container pid> -n` from the controller,
which runs with `pid: host` and CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE. It already holds
the Docker socket (root on the host in all but name), so this adds no privilege, and it
costs ~10 ms per namespace, where a helper container on `network_mode: container:<target>`
costs a container start (~0.5 s on 2 cores) and must be recreated whenever the target
restarts with a new namespace.

Rules live in two chains, GAMEDAY-IN and GAMEDAY-OUT, jumped to first from INPUT and OUTPUT;
each rule carries the comment `gd:<fault id>`, so one fault's rules can be removed without a
record of where they went (after a controller crash) and a blanket cleanup flushes the chains.
Latency, bandwidth and blackhole stay on the fault proxy, exactly as in the local runtime.

The runtime reports the `netns-iptables` capability only when `probe_netns_iptables()` could
list iptables inside a namespace other than its own; without it the catalog marks partition
and loss unsupported on this runtime instead of failing them at apply time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chaos.netfaults.control import IPTABLES_KINDS, NetworkControl
from chaos.netfaults.schemas import Direction, LinkRef, link_directions
from chaos.runtime.docker_plan import link_address

log = logging.getLogger("gameday.docker.net")

__all__ = ["IPTABLES_KINDS", "IptablesNetwork", "NetControl", "netem_available",
           "nsenter_available", "probe_netns_iptables"]
CHAIN_IN, CHAIN_OUT = "GAMEDAY-IN", "GAMEDAY-OUT"
# The built-in chain each of ours is jumped to from.
HOOKS = {"INPUT": CHAIN_IN, "OUTPUT": CHAIN_OUT}


@functools.cache
def iptables() -> str:
    """Debian's `iptables` is the nf_tables variant; kernels without nf_tables (some Docker
    Desktop VMs) need iptables-legacy. Chosen once, on the controller's own namespace."""
    for candidate in ("iptables", "iptables-legacy"):
        try:
            probe = subprocess.run([candidate, "-w", "-L", "-n"], capture_output=True,
                                   timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0:
            return candidate
    return "iptables"


@dataclass(frozen=True)
class Rule:
    chain: str
    spec: str  # everything after `-A CHAIN`

    def command(self, action: str = "-A") -> str:
        return f"{iptables()} -w {action} {self.chain} {self.spec}"


def comment(fault_id: str) -> str:
    return f"gd:{fault_id}"


def link_rules(fault_id: str, kind: str, ip: str, port: int, direction: str,
               params: dict[str, Any]) -> list[Rule]:
    match = ""
    if kind == "loss":
        probability = float(params.get("probability", 0.1))
        match = f"-m statistic --mode random --probability {probability:.4f} "
    tag = f"-m comment --comment {shlex.quote(comment(fault_id))}"
    # A cut resets the dialler's connections when it sends, as the proxy's `cut` does and as a
    # router answering "unreachable" would: clients fail over at once instead of hanging
    # until their timeouts (which would also fail HAProxy's 400 ms readiness checks of web
    # instances that merely *prefer* the cut member). What comes back is dropped. A one-way
    # cut only drops what is sent that way, as the proxy's one-way `cut` swallows it.
    out_target = ("REJECT --reject-with tcp-reset" if kind == "cut" and direction == "both"
                  else "DROP")
    rules = []
    if direction in ("both", "upstream"):
        rules.append(Rule(CHAIN_OUT, f"-p tcp -d {ip} --dport {port} {match}{tag} -j {out_target}"))
    if direction in ("both", "downstream"):
        rules.append(Rule(CHAIN_IN, f"-p tcp -s {ip} --sport {port} {match}{tag} -j DROP"))
    return rules


def setup_script() -> str:
    """Both chains, each jumped to first from its hook (once: -C checks for the jump)."""
    ipt = iptables()
    create = [f"{ipt} -w -N {chain} 2>/dev/null" for chain in HOOKS.values()]
    jump = [f"({ipt} -w -C {hook} -j {chain} 2>/dev/null || {ipt} -w -I {hook} 1 -j {chain})"
            for hook, chain in HOOKS.items()]
    return " ; ".join(create + jump)


def cleanup_script() -> str:
    """Undo setup_script and every rule: unhook, flush and delete both chains; never fails."""
    ipt = iptables()
    unhook = [f"{ipt} -w -D {hook} -j {chain} 2>/dev/null" for hook, chain in HOOKS.items()]
    remove = [f"{ipt} -w {action} {chain} 2>/dev/null"
              for action in ("-F", "-X") for chain in HOOKS.values()]
    return " ; ".join([*unhook, *remove, "true"])


def remove_script(fault_id: str) -> str:
    """Delete every rule tagged with the fault's comment (works without knowing the rules)."""
    tag = comment(fault_id)
    return (
        f"for c in {CHAIN_IN} {CHAIN_OUT}; do "
        f"{iptables()} -w -S $c 2>/dev/null | grep -F -- {shlex.quote(tag)} | "
        f"sed 's/^-A /-D /' | while read -r line; do eval {iptables()} -w $line; done; done; true"
    )


def run_in_netns(pid: int, script: str, timeout: float = 10.0) -> subprocess.CompletedProcess:
    """Run a shell script inside the network namespace of `pid` (a host pid)."""
    return subprocess.run(
        ["nsenter", "-t", str(pid), "-n", "sh", "-c", script],
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def probe_netns_iptables(pid: int) -> bool:
    """True if iptables can be listed inside the network namespace of host pid `pid` (one
    that is not ours): nsenter works, we may enter, and iptables runs there."""
    try:
        result = run_in_netns(pid, f"{iptables()} -w -L -n >/dev/null", timeout=5.0)
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


class IptablesNetwork(NetworkControl):
    """The Docker runtime's network control: iptables for cut/loss, the proxy for the rest."""

    def __init__(self, proxy: NetworkControl, pid_of: Callable[[str], int | None],
                 ip_of: Callable[[str], str | None], names: Callable[[], list[str]]) -> None:
        self.proxy = proxy
        self.pid_of = pid_of
        self.ip_of = ip_of
        self.names = names
        # fault id -> container -> rules, to re-apply after a container restarts (new netns).
        self.applied: dict[str, dict[str, list[Rule]]] = {}

    @staticmethod
    def uses_iptables(kind: str) -> bool:
        return kind in IPTABLES_KINDS

    async def set_quiet(self, quiet: bool) -> None:
        await self.proxy.set_quiet(quiet)

    async def add_fault(self, fault_id: str, kind: str, links: list[LinkRef],
                        direction: Direction, params: dict[str, Any]) -> None:
        if not self.uses_iptables(kind):
            await self.proxy.add_fault(fault_id, kind, links, direction, params)
            return
        per_container: dict[str, list[Rule]] = {}
        for link, link_direction in link_directions(links, direction):
            src = link.split("->")[0]
            host, port = link_address(link)
            ip = await asyncio.to_thread(self.ip_of, host)
            if not ip:
                raise RuntimeError(f"no address for {host}: is it running?")
            per_container.setdefault(src, []).extend(
                link_rules(fault_id, kind, ip, port, link_direction, params))
        self.applied[fault_id] = per_container
        results = await asyncio.gather(
            *(asyncio.to_thread(self._apply, name, rules) for name, rules in per_container.items()),
            return_exceptions=True,
        )
        errors = [r for r in results if isinstance(r, Exception)]
        if errors:
            raise RuntimeError("; ".join(str(e) for e in errors))

    def _apply(self, name: str, rules: list[Rule]) -> None:
        pid = self.pid_of(name)
        if not pid:
            # Not running: nothing to cut now; reapply() adds the rules when it comes back.
            log.info("%s is not running; its rules apply when it starts", name)
            return
        script = setup_script() + " ; set -e ; " + " ; ".join(r.command() for r in rules)
        result = run_in_netns(pid, script)
        if result.returncode != 0:
            raise RuntimeError(f"iptables in {name} failed: {result.stderr.strip()[-300:]}")

    async def remove_fault(self, fault_id: str) -> None:
        self.applied.pop(fault_id, None)
        # Look everywhere: after a controller crash nobody remembers where the rules went.
        names = self.names()
        script = remove_script(fault_id)
        results = await asyncio.gather(
            *(asyncio.to_thread(self._run, n, script) for n in names), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, Exception)]
        await self.proxy.remove_fault(fault_id)
        if errors:
            raise RuntimeError("; ".join(str(e) for e in errors))

    def _run(self, name: str, script: str) -> None:
        pid = self.pid_of(name)
        if not pid:
            return  # a stopped container has no rules: its namespace is gone
        result = run_in_netns(pid, script)
        if result.returncode != 0:
            raise RuntimeError(f"iptables in {name} failed: {result.stderr.strip()[-300:]}")

    async def clear(self) -> None:
        self.applied.clear()
        await asyncio.gather(*(asyncio.to_thread(self.cleanup, n) for n in self.names()))
        await self.proxy.clear()

    def cleanup(self, name: str) -> bool:
        """Remove every gameday rule and chain from one container; True if it ran."""
        pid = self.pid_of(name)
        if not pid:
            return False
        result = run_in_netns(pid, cleanup_script())
        return result.returncode == 0

    def reapply(self, name: str) -> None:
        """A container restarted with a fresh namespace: put its active rules back."""
        rules = [r for per in self.applied.values() for r in per.get(name, [])]
        if rules:
            log.info("re-applying %d iptables rules in restarted %s", len(rules), name)
            self._apply(name, rules)

    @staticmethod
    def rules_in(pid: int) -> list[str]:
        """The gameday rules in a namespace (for tests and diagnostics)."""
        ipt = iptables()
        result = run_in_netns(pid, f"{ipt} -w -S {CHAIN_IN} ; {ipt} -w -S {CHAIN_OUT}")
        return [line for line in result.stdout.splitlines() if "gd:" in line]


NetControl = IptablesNetwork  # the former name, kept for callers and tests


def netem_available() -> bool:
    """Whether this kernel has sch_netem (tried on lo of the controller's own namespace)."""
    try:
        added = subprocess.run(["tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "0ms"],
                               capture_output=True, timeout=5, check=False)
        if added.returncode == 0:
            subprocess.run(["tc", "qdisc", "del", "dev", "lo", "root"], capture_output=True,
                           timeout=5, check=False)
            return True
    except (OSError, subprocess.SubprocessError):
        pass
    return False


def nsenter_available() -> bool:
    """nsenter is installed. Whether it may enter a container's namespace is probed on a
    running container (`probe_netns_iptables`): the controller's container may enter its
    siblings' namespaces but not the host's (pid 1), so pid 1 proves nothing either way."""
    return shutil.which("nsenter") is not None
