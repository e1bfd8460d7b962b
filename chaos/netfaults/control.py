"""The one interface of network faults, with two implementations.

* `chaos.controls.proxy.ProxyClient`: the fault proxy's admin API (local runtime, and the
  kinds the proxy carries under Docker);
* `chaos.runtime.docker_net.IptablesNetwork`: iptables in the dialler's network namespace
  for `cut` and `loss` under Docker, the proxy for the rest.

`chaos.testing.fakes.FakeProxy` is held to the same contract by
tests/chaos/contracts/test_proxy_contract.py.

A fault is added under one id and removed by that id alone, so a revert needs nothing but
the journal record (the id) and touches only what its apply did.
"""

from __future__ import annotations

import abc
from typing import Any

from chaos.netfaults.schemas import Direction, LinkRef

# The capability a runtime reports when it can run iptables inside its containers' network
# namespaces (nsenter + iptables, probed for real). Faults it carries there declare it.
NETNS_IPTABLES = "netns-iptables"
# Kinds carried by iptables where the runtime's network control uses it.
IPTABLES_KINDS = frozenset({"cut", "loss"})


class NetworkControl(abc.ABC):
    @abc.abstractmethod
    async def add_fault(
        self, fault_id: str, kind: str, links: list[LinkRef], direction: Direction,
        params: dict[str, Any],
    ) -> None:
        """Add one fault (replacing one with the same id). `links` are link names or globs,
        or `LinkDirection`s carrying their own direction; plain names take `direction`.
        Raises ValueError for what the contract refuses (bad id, unknown kind, bad params)."""

    @abc.abstractmethod
    async def remove_fault(self, fault_id: str) -> None:
        """Remove the fault with this id; removing an absent fault is not an error."""

    @abc.abstractmethod
    async def clear(self) -> None:
        """Remove every fault."""

    @abc.abstractmethod
    async def set_quiet(self, quiet: bool) -> None:
        """Hide which links are faulted from metrics (drills)."""
