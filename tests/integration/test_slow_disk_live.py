"""slow-disk on the real local stack: the store leader's WAL fsyncs slow down, then recover.

What is checked comes from the kernel and etcd, not from the controller: the member's own
`etcd_disk_wal_fsync_duration_seconds` histogram, its `/proc/<pid>/cgroup` and the cgroup's
`blkio.throttle.*` files.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from chaos.runtime import cgroups
from tests.integration.stackctl import FaultDriver

pytestmark = pytest.mark.stack

REASON = cgroups.unavailable_reason()
FSYNC = "etcd_disk_wal_fsync_duration_seconds"


def fsync_buckets(stack, member: str) -> dict[float, float]:
    """The member's cumulative WAL fsync histogram: {upper bound: count}."""
    buckets = {}
    for line in stack.metrics(member).splitlines():
        if line.startswith(f"{FSYNC}_bucket{{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(le)] = float(line.rsplit(" ", 1)[1])
    assert buckets, f"{member} exports no {FSYNC}"
    return buckets


def quantile(q: float, before: dict[float, float], after: dict[float, float]) -> float:
    """The q-quantile's bucket upper bound over the fsyncs between two histogram reads."""
    delta = {le: after[le] - before.get(le, 0.0) for le in sorted(after)}
    count = delta[float("inf")]
    assert count > 0, "no WAL fsync happened between the two reads"
    return next(le for le, n in delta.items() if n >= q * count)


def write_through_api(api: str, n: int, seconds: float = 8.0) -> list[int]:
    """Up to n PUTs through the load balancer, for at most `seconds`; their status codes."""
    url = f"{api}/kv/slow-disk-test"
    deadline = time.monotonic() + seconds
    codes = []
    with httpx.Client(timeout=5) as client:
        for i in range(n):
            if time.monotonic() > deadline:
                break
            codes.append(client.put(url, json={"value": f"v{i}"}).status_code)
    return codes


def blkio_cgroup(pid: int) -> str:
    return cgroups.find_hierarchy().cgroup_of(pid)


@pytest.mark.skipif(REASON is not None, reason=f"no block-I/O throttling here: {REASON}")
def test_slow_disk_slows_the_leaders_wal_fsyncs_and_revert_restores_its_cgroup(stack):
    # The controller's API, not `gameday status` (a CLI run: tens of seconds on a busy host).
    status = stack.wait_for(
        lambda: (s := stack.controller.get("/api/status"))["healthy"] and s,
        timeout=60,
        what="a healthy stack",
    )
    faults = FaultDriver(stack)
    hierarchy = cgroups.find_hierarchy()
    leader, api = status["store_leader"], status["endpoints"]["api"]
    pid = next(c["pid"] for c in status["components"] if c["name"] == leader)
    origin = blkio_cgroup(pid)
    start = fsync_buckets(stack, leader)
    assert set(write_through_api(api, 30, seconds=6)) == {200}
    end = fsync_buckets(stack, leader)
    base = quantile(0.5, start, end), quantile(0.99, start, end)

    fault = faults.inject("slow-disk", "store:leader", duration="60s", write_iops=10)
    try:
        member = fault["targets"][0]
        assert member == leader
        cgroup = blkio_cgroup(pid)
        assert cgroup != origin and cgroup.endswith(f"/{member}"), cgroup
        limits = hierarchy.write_limits(cgroup)
        assert limits and all(v == {"bps": 1_000_000, "iops": 10} for v in limits.values())

        start = fsync_buckets(stack, member)
        # A write may time out in the web tier (503) while the leader's disk is this slow:
        # that is the symptom; every write still makes the member fsync its WAL.
        codes = write_through_api(api, 30, seconds=6)
        end = fsync_buckets(stack, member)
        slow = quantile(0.5, start, end), quantile(0.99, start, end)
    finally:
        faults.revert(fault["id"])

    print(f"{member} WAL fsync p50/p99 (bucket bounds, s): baseline {base}, throttled {slow}; "
          f"{codes.count(200)}/{len(codes)} writes ok while throttled")
    assert slow[0] >= 0.064 and slow[0] >= 4 * base[0]
    assert slow[1] >= 0.128 and slow[1] >= 2 * base[1]

    # Reverted, as the kernel sees it: the member is back where it was, the cgroup is gone.
    assert blkio_cgroup(pid) == origin
    assert not hierarchy.path(cgroup).exists()
    assert not hierarchy.path(str(Path(cgroup).parent)).exists()
    assert not set(limits) & set(hierarchy.write_limits(origin))
    assert faults.active() == []
    # Writes come back (after an election, if the slow leader lost its term) and fsyncs are fast.
    stack.wait_for(lambda: write_through_api(api, 1) == [200], timeout=30, interval=0.5,
                   what="a write through the api after the revert")
    start = fsync_buckets(stack, member)
    write_through_api(api, 10, seconds=5)
    after = quantile(0.5, start, fsync_buckets(stack, member))
    print(f"{member} WAL fsync p50 after revert: {after}")
    assert after < slow[0]


@pytest.mark.skipif(REASON is None, reason="this host can throttle block I/O")
def test_slow_disk_is_refused_with_the_hosts_reason_where_it_cannot_work(stack):
    response = httpx.post(
        f"{stack.url('controller')}/api/faults",
        json={"type": "slow-disk", "target": "store-1"},
        headers={"Authorization": f"Bearer {stack.state.token()}"},
    )
    assert response.status_code == 409
    assert REASON in response.json()["detail"]
