"""Network faults under Docker: which ones become iptables rules, and what the rules are."""

from __future__ import annotations

import pytest

from chaos.netfaults.schemas import LinkDirection
from chaos.runtime import docker_net
from chaos.runtime.docker_net import CHAIN_IN, CHAIN_OUT, NetControl, Rule, link_rules


class FakeProxy:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    async def add_fault(self, fault_id, kind, links, direction, params):
        self.calls.append(("add", fault_id, kind, tuple(links), direction))

    async def remove_fault(self, fault_id):
        self.calls.append(("remove", fault_id))

    async def clear(self):
        self.calls.append(("clear",))

    async def set_quiet(self, quiet):
        self.calls.append(("quiet", quiet))


@pytest.fixture(autouse=True)
def plain_iptables(monkeypatch):
    monkeypatch.setattr(docker_net, "iptables", lambda: "iptables")


def test_cut_rejects_outgoing_and_drops_incoming():
    rules = link_rules("f-1", "cut", "10.0.0.2", 11012, "both", {})
    assert rules == [
        Rule(CHAIN_OUT, "-p tcp -d 10.0.0.2 --dport 11012 -m comment --comment gd:f-1 "
                        "-j REJECT --reject-with tcp-reset"),
        Rule(CHAIN_IN, "-p tcp -s 10.0.0.2 --sport 11012 -m comment --comment gd:f-1 -j DROP"),
    ]


def test_loss_uses_statistic_and_respects_direction():
    (rule,) = link_rules("f-2", "loss", "10.0.0.2", 12003, "upstream", {"probability": 0.25})
    assert rule.chain == CHAIN_OUT
    assert "-m statistic --mode random --probability 0.2500" in rule.spec
    assert rule.spec.endswith("-j DROP")


@pytest.fixture()
def net(monkeypatch):
    applied: list[tuple[int, str]] = []
    monkeypatch.setattr(docker_net, "run_in_netns", lambda pid, script, timeout=10.0: (
        applied.append((pid, script)) or type("R", (), {"returncode": 0, "stderr": ""})()))
    pids = {"store-1": 101, "store-2": 102, "web-1": 201}
    control = NetControl(FakeProxy(), pid_of=pids.get, ip_of=lambda name: "10.0.0.9",
                         names=lambda: list(pids))
    control.ran = applied
    return control


async def test_partition_links_become_rules_in_each_dialler(net):
    await net.add_fault("f-3", "cut", ["store-1->store-2", "store-2->store-1", "web-1->store-1"],
                        "both", {})
    assert net.proxy.calls == []
    by_pid = {pid: script for pid, script in net.ran}
    assert set(by_pid) == {101, 102, 201}
    assert "--dport 12002" in by_pid[101]  # store-1 dials store-2 at proxy:12002
    assert "--dport 12001" in by_pid[102]
    assert "--dport 11011" in by_pid[201]  # web-1 dials store-1 at proxy:11011
    assert set(net.applied["f-3"]) == {"store-1", "store-2", "web-1"}


async def test_latency_stays_on_the_proxy(net):
    await net.add_fault("f-4", "latency", ["lb->web-1"], "downstream", {"ms": 100})
    assert net.proxy.calls == [("add", "f-4", "latency", ("lb->web-1",), "downstream")]
    assert net.ran == []


async def test_one_way_partition_is_one_cut_with_per_link_directions(net):
    links = [LinkDirection(link="store-1->store-2", direction="upstream"),
             LinkDirection(link="store-2->store-1", direction="downstream")]
    await net.add_fault("f-5", "cut", links, "both", {})
    assert net.proxy.calls == []
    rules = net.applied["f-5"]
    # store-1's own sends are dropped in its namespace; its answers to store-2 in store-2's.
    assert rules["store-1"] == [Rule(CHAIN_OUT, "-p tcp -d 10.0.0.9 --dport 12002 -m comment "
                                                "--comment gd:f-5 -j DROP")]
    assert rules["store-2"] == [Rule(CHAIN_IN, "-p tcp -s 10.0.0.9 --sport 12001 -m comment "
                                               "--comment gd:f-5 -j DROP")]
    assert {pid for pid, _ in net.ran} == {101, 102}
    assert not NetControl.uses_iptables("blackhole")


async def test_remove_looks_in_every_running_container_and_the_proxy(net):
    await net.remove_fault("f-6")
    assert sorted(pid for pid, _ in net.ran) == [101, 102, 201]
    assert all("gd:f-6" in script for _, script in net.ran)
    assert net.proxy.calls == [("remove", "f-6")]


async def test_reapply_after_a_restart(net):
    await net.add_fault("f-7", "cut", ["web-1->store-1"], "both", {})
    net.ran.clear()
    net.reapply("web-1")
    assert len(net.ran) == 1 and "gd:f-7" in net.ran[0][1]


async def test_other_proxy_calls_pass_through(net):
    await net.set_quiet(True)
    assert net.proxy.calls == [("quiet", True)]
