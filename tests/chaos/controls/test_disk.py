"""DiskThrottle against a temporary cgroup tree that follows the kernel's rules."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from chaos.controls.disk import DiskThrottle
from chaos.runtime import cgroups
from chaos.runtime.base import ComponentStatus, ProcessState
from chaos.runtime.cgroups import CgroupUnavailable
from chaos.testing.cgroupfs import FakeHost, data_dir

ORIGIN = "/system.slice/gameday"


class Pids:
    """The one thing DiskThrottle asks a runtime: a member's pid (None when not running)."""

    def __init__(self, **pids: int | None) -> None:
        self.pids = pids

    def status(self, name: str) -> ComponentStatus:
        state = ProcessState.running if self.pids[name] else ProcessState.stopped
        return ComponentStatus(name=name, role="store", state=state, pid=self.pids[name])


def run(coro):
    return asyncio.run(coro)


@pytest.fixture(params=[1, 2], ids=["v1", "v2"])
def host(tmp_path, request) -> FakeHost:
    host = FakeHost(tmp_path, version=request.param).build()
    st_dev = os.stat(tmp_path).st_dev
    host.add_disk("vda", f"{os.major(st_dev)}:{os.minor(st_dev)}")
    origin = host.hierarchy_root / ORIGIN.strip("/")
    kernel = host.kernel()
    for depth in range(1, len(origin.relative_to(host.hierarchy_root).parts) + 1):
        path = host.hierarchy_root.joinpath(*origin.relative_to(host.hierarchy_root).parts[:depth])
        kernel.mkdir(path)
    store = data_dir(host)
    host.add_process(1000, 1000, ORIGIN, argv=["etcd", "--name=store-1", f"--data-dir={store}"])
    host.add_process(1001, 1000, ORIGIN)  # a child in the member's process group
    host.add_process(2000, 2000, ORIGIN)  # someone else
    return host


def throttle(host: FakeHost, state, runtime=None, **kwargs) -> DiskThrottle:
    return DiskThrottle(
        runtime or Pids(**{"store-1": 1000}), state, cgroup_root=host.cgroup_root,
        proc_root=host.proc_root, sys_root=host.sys_root, fs=host.kernel(), **kwargs,
    )


def hierarchy_of(disk: DiskThrottle):
    return cgroups.find_hierarchy(disk.cgroup_root, disk.fs)


def test_throttle_moves_the_members_process_group_and_caps_its_disk(host, tmp_path):
    disk = throttle(host, tmp_path / "state")
    info = run(disk.throttle("store-1", "f-1", 1_000_000, 20))
    cgroup = disk.cgroup_for("store-1")
    assert cgroup.startswith("/gameday-") and cgroup.endswith("/store-1")
    assert host.cgroup_of(1000) == cgroup and host.cgroup_of(1001) == cgroup
    assert host.cgroup_of(2000) == ORIGIN
    h = hierarchy_of(disk)
    (device,) = h.write_limits(cgroup)
    assert h.write_limits(cgroup) == {device: {"bps": 1_000_000, "iops": 20}}
    assert info["pids"] == [1000, 1001] and info["devices"] == [f"{device[0]}:{device[1]}"]
    assert h.write_limits(ORIGIN) == {}


def test_revert_restores_the_member_and_removes_the_cgroup_idempotently(host, tmp_path):
    disk = throttle(host, tmp_path / "state")
    run(disk.throttle("store-1", "f-1", 1_000_000, 20))
    cgroup = disk.cgroup_for("store-1")
    run(disk.unthrottle("store-1", "f-1"))
    assert host.cgroup_of(1000) == ORIGIN and host.cgroup_of(1001) == ORIGIN
    assert not (host.hierarchy_root / cgroup.strip("/")).exists()
    assert not (host.hierarchy_root / disk.stack_cgroup.strip("/")).exists()
    assert not (tmp_path / "state" / "disk-throttle" / "store-1.json").exists()
    run(disk.unthrottle("store-1", "f-1"))  # twice: nothing left to do, no error


def test_a_new_controller_reverts_from_the_state_dir_alone(host, tmp_path):
    run(throttle(host, tmp_path / "state").throttle("store-1", "f-1", 1_000_000, 20))
    after_crash = throttle(host, tmp_path / "state")  # nothing in memory from the first
    run(after_crash.unthrottle("store-1", "f-1"))
    assert host.cgroup_of(1000) == ORIGIN
    assert not (host.hierarchy_root / after_crash.stack_cgroup.strip("/")).exists()


def test_the_record_is_written_before_the_kernel_is_touched(host, tmp_path):
    disk = throttle(host, tmp_path / "state")

    def crash(path):
        raise OSError("controller died here")

    disk.fs.mkdir = crash
    with pytest.raises(OSError):
        run(disk.throttle("store-1", "f-1", 1_000_000, 20))
    record = json.loads((tmp_path / "state" / "disk-throttle" / "store-1.json").read_text())
    assert record["origin"] == ORIGIN and "f-1" in record["faults"]
    run(throttle(host, tmp_path / "state").unthrottle("store-1", "f-1"))
    assert host.cgroup_of(1000) == ORIGIN
    assert not (tmp_path / "state" / "disk-throttle" / "store-1.json").exists()


def test_two_faults_on_one_member_the_newest_cap_holds_until_the_last_revert(host, tmp_path):
    disk = throttle(host, tmp_path / "state")
    run(disk.throttle("store-1", "f-1", 1_000_000, 20))
    run(disk.throttle("store-1", "f-2", 500_000, 5))
    h, cgroup = hierarchy_of(disk), disk.cgroup_for("store-1")
    assert list(h.write_limits(cgroup).values()) == [{"bps": 500_000, "iops": 5}]
    run(disk.unthrottle("store-1", "f-2"))
    assert list(h.write_limits(cgroup).values()) == [{"bps": 1_000_000, "iops": 20}]
    assert host.cgroup_of(1000) == cgroup
    run(disk.unthrottle("store-1", "f-1"))
    assert host.cgroup_of(1000) == ORIGIN  # the origin of the first apply, not the cgroup


def test_a_member_restarted_while_throttled_is_not_slowed_and_revert_still_cleans(
    host, tmp_path
):
    disk = throttle(host, tmp_path / "state")
    run(disk.throttle("store-1", "f-1", 1_000_000, 20))
    cgroup = disk.cgroup_for("store-1")
    for pid in (1000, 1001):  # killed: the kernel drops exited tasks from cgroup.procs
        procs = host.hierarchy_root / cgroup.strip("/") / "cgroup.procs"
        procs.write_text("".join(f"{p}\n" for p in procs.read_text().split() if p != str(pid)))
        (host.proc_root / str(pid) / "cgroup").unlink()
    host.add_process(3000, 3000, ORIGIN)  # the supervisor's new member, outside the cgroup
    run(disk.unthrottle("store-1", "f-1"))
    assert not (host.hierarchy_root / disk.stack_cgroup.strip("/")).exists()
    assert host.cgroup_of(3000) == ORIGIN


def test_a_cgroup_left_without_a_record_is_still_removed(host, tmp_path):
    disk = throttle(host, tmp_path / "state")
    run(disk.throttle("store-1", "f-1", 1_000_000, 20))
    (tmp_path / "state" / "disk-throttle" / "store-1.json").unlink()
    run(disk.unthrottle("store-1", "f-1"))
    assert host.cgroup_of(1000) == "/"  # its origin was lost with the record: the root
    assert not (host.hierarchy_root / disk.stack_cgroup.strip("/")).exists()


def test_a_member_that_is_not_running_cannot_be_slowed(host, tmp_path):
    disk = throttle(host, tmp_path / "state", runtime=Pids(**{"store-1": None}))
    with pytest.raises(RuntimeError, match="not running"):
        run(disk.throttle("store-1", "f-1", 1_000_000, 20))


def test_two_stacks_on_one_host_use_cgroups_of_their_own(host, tmp_path):
    one, two = throttle(host, tmp_path / "a"), throttle(host, tmp_path / "b")
    assert one.cgroup_for("store-1") != two.cgroup_for("store-1")


# -- Docker: the container's own cgroup, capped in place -----------------------------------


def container_host(host: FakeHost) -> FakeHost:
    kernel = host.kernel()
    kernel.mkdir(host.hierarchy_root / "docker")
    kernel.mkdir(host.hierarchy_root / "docker" / "abc123")
    kernel.write(host.hierarchy_root / "docker" / "abc123" / "cgroup.procs", "1000\n")
    return host


def test_docker_caps_the_containers_own_cgroup_without_moving_anything(host, tmp_path):
    container_host(host)
    disk = throttle(host, tmp_path / "state", move=False)
    info = run(disk.throttle("store-1", "f-1", 1_000_000, 20))
    assert info["cgroup"] == str(host.hierarchy_root / "docker" / "abc123")
    assert host.cgroup_of(1000) == "/docker/abc123"
    h = hierarchy_of(disk)
    assert list(h.write_limits("/docker/abc123").values()) == [{"bps": 1_000_000, "iops": 20}]
    run(throttle(host, tmp_path / "state", move=False).unthrottle("store-1", "f-1"))
    assert h.write_limits("/docker/abc123") == {}
    assert host.cgroup_of(1000) == "/docker/abc123"  # the container keeps its cgroup
    assert (host.hierarchy_root / "docker" / "abc123").is_dir()


def test_docker_says_why_when_the_containers_cgroup_is_out_of_sight(host, tmp_path):
    host._set_cgroup(1000, "/../docker/abc123")  # a namespaced view of the host's tree
    disk = throttle(host, tmp_path / "state", move=False)
    with pytest.raises(CgroupUnavailable, match="not visible"):
        run(disk.throttle("store-1", "f-1", 1_000_000, 20))
