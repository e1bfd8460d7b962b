"""The cgroup plumbing of slow-disk, against a temporary tree that follows the kernel's rules."""

from __future__ import annotations

import os

import pytest

from chaos.runtime import cgroups
from chaos.runtime.cgroups import CgroupUnavailable, Hierarchy
from chaos.testing.cgroupfs import FakeHost


def real_dev(path) -> str:
    st_dev = os.stat(path).st_dev
    return f"{os.major(st_dev)}:{os.minor(st_dev)}"


@pytest.fixture(params=[1, 2], ids=["v1", "v2"])
def host(tmp_path, request) -> FakeHost:
    return FakeHost(tmp_path, version=request.param).build()


def test_finds_the_v1_blkio_hierarchy_or_the_v2_one_offering_io(tmp_path):
    v1 = FakeHost(tmp_path / "a", 1).build()
    assert cgroups.find_hierarchy(v1.cgroup_root) == Hierarchy(1, v1.cgroup_root / "blkio")
    v2 = FakeHost(tmp_path / "b", 2).build()
    assert cgroups.find_hierarchy(v2.cgroup_root) == Hierarchy(2, v2.cgroup_root)


def test_says_why_when_there_is_no_block_io_controller(tmp_path):
    host = FakeHost(tmp_path, 2).build()
    (host.cgroup_root / "cgroup.controllers").write_text("cpu memory pids\n")
    reason = cgroups.unavailable_reason(host.cgroup_root)
    assert reason and "no block-I/O cgroup controller" in reason


def test_says_why_when_the_hierarchy_is_not_writable(tmp_path, monkeypatch):
    host = FakeHost(tmp_path, 1).build()
    monkeypatch.setattr(cgroups.os, "access", lambda path, mode: False)
    reason = cgroups.unavailable_reason(host.cgroup_root)
    assert reason and "not writable" in reason and "root" in reason


def test_this_machine_answers_with_a_hierarchy_or_a_reason():
    reason = cgroups.unavailable_reason()
    if reason is None:
        hierarchy = cgroups.find_hierarchy()
        assert hierarchy.cgroup_of(os.getpid()).startswith("/")
    else:
        assert "cgroup" in reason


def test_a_pids_cgroup_is_read_from_its_own_proc_entry(host):
    host.add_process(42, 42)
    hierarchy = cgroups.find_hierarchy(host.cgroup_root, host.kernel())
    assert hierarchy.cgroup_of(42, host.proc_root) == "/"
    with pytest.raises(ProcessLookupError):
        hierarchy.cgroup_of(43, host.proc_root)


def test_make_move_cap_clear_and_remove_follow_the_kernel(host):
    host.add_disk("vda", "254:0")
    host.add_process(42, 42)
    kernel = host.kernel()
    hierarchy = cgroups.find_hierarchy(host.cgroup_root, kernel)
    hierarchy.make("/gameday-x/store-1")
    hierarchy.move(42, "/gameday-x/store-1")
    assert host.cgroup_of(42) == "/gameday-x/store-1"
    assert hierarchy.procs("/gameday-x/store-1") == [42] and hierarchy.procs("/") == []
    hierarchy.set_write_limits("/gameday-x/store-1", (254, 0), 1000, 20)
    assert hierarchy.write_limits("/gameday-x/store-1") == {(254, 0): {"bps": 1000, "iops": 20}}
    with pytest.raises(OSError):  # a cgroup holding a process cannot go
        hierarchy.remove("/gameday-x/store-1")
    hierarchy.clear_write_limits("/gameday-x/store-1", (254, 0))
    assert hierarchy.write_limits("/gameday-x/store-1") == {}
    hierarchy.move(42, "/")
    hierarchy.remove("/gameday-x/store-1")
    hierarchy.remove("/gameday-x")
    hierarchy.remove("/gameday-x")  # idempotent
    assert not (host.hierarchy_root / "gameday-x").exists()


def test_v1_writes_one_rule_per_file_and_v2_one_io_max_line(tmp_path):
    for version, expected in (
        (1, [("g/blkio.throttle.write_bps_device", "254:0 1000\n"),
             ("g/blkio.throttle.write_iops_device", "254:0 20\n")]),
        (2, [("cgroup.subtree_control", "+io\n"), ("g/io.max", "254:0 wbps=1000 wiops=20\n")]),
    ):
        host = FakeHost(tmp_path / f"v{version}", version).build()
        host.add_disk("vda", "254:0")
        kernel = host.kernel()
        hierarchy = cgroups.find_hierarchy(host.cgroup_root, kernel)
        hierarchy.make("/g")
        hierarchy.set_write_limits("/g", (254, 0), 1000, 20)
        assert kernel.writes == expected
        kernel.writes.clear()
        hierarchy.clear_write_limits("/g", (254, 0))
        assert [text for _, text in kernel.writes] == (
            ["254:0 0\n", "254:0 0\n"] if version == 1 else ["254:0 wbps=max wiops=max\n"]
        )


def test_a_partitions_device_is_throttled_through_its_whole_disk(tmp_path):
    host = FakeHost(tmp_path, 1).build()
    here = real_dev(tmp_path)
    host.add_disk("sda", "8:0", partitions={"sda1": here})
    host.add_process(42, 42)
    assert cgroups.devices_for(42, str(tmp_path), host.proc_root, host.sys_root) == [(8, 0)]
    hierarchy = cgroups.find_hierarchy(host.cgroup_root, host.kernel())
    major, minor = map(int, here.split(":"))
    with pytest.raises(OSError):  # what the kernel says to a partition's numbers
        hierarchy.set_write_limits("/", (major, minor), 1000, 20)


def test_a_whole_disk_or_device_mapper_device_is_throttled_itself(tmp_path):
    host = FakeHost(tmp_path, 1).build()
    host.add_disk("dm-0", real_dev(tmp_path))
    host.add_process(42, 42)
    major, minor = map(int, real_dev(tmp_path).split(":"))
    assert cgroups.devices_for(42, str(tmp_path), host.proc_root, host.sys_root) == [
        (major, minor)
    ]


def test_a_filesystem_without_a_device_caps_every_real_disk(tmp_path, monkeypatch):
    host = FakeHost(tmp_path, 1).build()
    for name, dev in (("vda", "254:0"), ("vdb", "254:16"), ("loop0", "7:0"), ("zram0", "253:0")):
        host.add_disk(name, dev)
    host.add_process(42, 42, mounts=[("/", "overlay")])
    monkeypatch.setattr(cgroups, "_st_dev", lambda path: os.makedev(0, 51))  # overlayfs
    assert cgroups.devices_for(42, "/var/lib/etcd", host.proc_root, host.sys_root) == [
        (254, 0), (254, 16)
    ]


def test_a_memory_filesystem_cannot_be_slowed(tmp_path):
    host = FakeHost(tmp_path, 1).build()
    host.add_process(42, 42, mounts=[("/", "ext4"), ("/var/lib/etcd", "tmpfs")])
    with pytest.raises(CgroupUnavailable, match="tmpfs"):
        cgroups.devices_for(42, "/var/lib/etcd/member", host.proc_root, host.sys_root)


def test_the_process_group_is_the_leader_and_its_children(tmp_path):
    host = FakeHost(tmp_path, 1).build()
    host.add_process(42, 42)
    host.add_process(50, 42)
    host.add_process(51, 51)
    assert cgroups.process_group(42, host.proc_root) == [42, 50]


def test_the_data_dir_comes_from_the_members_command_line(tmp_path):
    host = FakeHost(tmp_path, 1).build()
    host.add_process(42, 42, argv=["etcd", "--name=s1", f"--data-dir={tmp_path}/s1"])
    host.add_process(43, 43, argv=["etcd", "--data-dir", "rel"], cwd=tmp_path)
    host.add_process(44, 44, argv=["python", "-m", "x"], cwd=tmp_path)
    assert cgroups.data_dir_of(42, host.proc_root) == f"{tmp_path}/s1"
    assert cgroups.data_dir_of(43, host.proc_root) == f"{tmp_path}/rel"
    assert cgroups.data_dir_of(44, host.proc_root) == str(tmp_path)
