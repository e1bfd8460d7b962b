"""slow-disk: where it is supported, what it asks the disk control, and its params."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from chaos.faults import slow_disk
from chaos.faults.slow_disk import SlowDisk, SlowDiskParams
from chaos.runtime.fake import FakeRuntime
from chaos.testing.fakes import STACK, fake_context


@pytest.mark.parametrize("runtime", ["local", "docker"])
def test_local_and_docker_support_it_exactly_where_the_host_can_throttle(runtime, monkeypatch):
    monkeypatch.setattr(slow_disk.cgroups, "unavailable_reason", lambda: None)
    assert SlowDisk.support(runtime, {"signals"}) is None
    why = "the blkio cgroup hierarchy at /sys/fs/cgroup/blkio is not writable by uid 1000"
    monkeypatch.setattr(slow_disk.cgroups, "unavailable_reason", lambda: why)
    assert SlowDisk.support(runtime, {"signals"}) == why


def test_other_runtimes_need_the_capability():
    assert "blkio-throttle" in SlowDisk.support("fake", {"signals"})
    assert SlowDisk.support("fake", {"blkio-throttle"}) is None


def test_params_keep_write_bytes_per_s_and_add_an_iops_cap():
    params = SlowDiskParams()
    assert (params.write_bytes_per_s, params.write_iops) == (1_000_000, 20)
    assert SlowDiskParams(write_iops=0).write_iops == 0  # bytes cap only
    for bad in ({"write_bytes_per_s": 0}, {"write_iops": -1}, {"iops": 5}):
        with pytest.raises(ValidationError):
            SlowDiskParams(**bad)


def test_apply_caps_every_target_and_revert_lifts_each_idempotently():
    ctx = fake_context(FakeRuntime(STACK, {"blkio-throttle"}))
    fault = SlowDisk("f-1", ["store-1", "store-2"], SlowDiskParams(write_iops=5), 30, ctx)
    asyncio.run(fault.apply())
    assert ctx.disk.caps == {("store-1", "f-1"): (1_000_000, 5), ("store-2", "f-1"): (1_000_000, 5)}
    asyncio.run(fault.revert())
    asyncio.run(fault.revert())
    assert ctx.disk.caps == {}


def test_revert_without_apply_is_safe():
    ctx = fake_context()
    asyncio.run(SlowDisk("f-2", ["store-3"], SlowDiskParams(), 30, ctx).revert())
    assert ctx.disk.caps == {}
