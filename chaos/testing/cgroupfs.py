"""A temporary tree laid out like /sys/fs/cgroup, /proc and /sys, with the kernel's rules.

`FakeKernelFs` plays the kernel's part of a cgroup filesystem the way Linux does, so code
tested against it cannot rely on something the kernel would refuse:
* writing a pid to `cgroup.procs` moves the process (it leaves every other cgroup, its
  /proc/<pid>/cgroup line changes); an unknown pid is ESRCH (ProcessLookupError);
* a throttle file holds one rule per device, a write replaces that device's rule and 0 (v1) or
  `max` (v2) deletes it; a partition, or a device the host does not have, is ENODEV;
* mkdir populates the control files; rmdir of a cgroup with processes or children is EBUSY.
"""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from chaos.runtime.cgroups import V1_BPS, V1_IOPS, V2_MAX, CgroupFs

V1_FILES = ("cgroup.procs", V1_BPS, V1_IOPS)
V2_FILES = ("cgroup.procs", "cgroup.controllers", "cgroup.subtree_control", V2_MAX)


@dataclass
class FakeHost:
    root: Path
    version: int = 1

    @property
    def cgroup_root(self) -> Path:
        return self.root / "cgroup"

    @property
    def hierarchy_root(self) -> Path:
        return self.cgroup_root / "blkio" if self.version == 1 else self.cgroup_root

    @property
    def proc_root(self) -> Path:
        return self.root / "proc"

    @property
    def sys_root(self) -> Path:
        return self.root / "sys"

    def build(self) -> FakeHost:
        """An empty host: the hierarchy root holding nothing; disks and pids are added."""
        self.hierarchy_root.mkdir(parents=True)
        for name in V1_FILES if self.version == 1 else V2_FILES:
            (self.hierarchy_root / name).write_text("")
        if self.version == 2:
            (self.hierarchy_root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
        (self.sys_root / "block").mkdir(parents=True)
        (self.sys_root / "dev" / "block").mkdir(parents=True)
        self.proc_root.mkdir()
        return self

    def add_disk(self, name: str, dev: str, partitions: dict[str, str] | None = None) -> None:
        disk = self.sys_root / "devices" / name
        disk.mkdir(parents=True)
        (disk / "dev").write_text(dev + "\n")
        (self.sys_root / "block" / name).symlink_to(disk)
        (self.sys_root / "dev" / "block" / dev).symlink_to(disk)
        for part, part_dev in (partitions or {}).items():
            (disk / part).mkdir()
            (disk / part / "dev").write_text(part_dev + "\n")
            (disk / part / "partition").write_text("1\n")
            (self.sys_root / "dev" / "block" / part_dev).symlink_to(disk / part)

    def add_process(
        self, pid: int, pgid: int, cgroup: str = "/", argv: list[str] | None = None,
        cwd: Path | None = None, mounts: list[tuple[str, str]] | None = None,
    ) -> None:
        proc = self.proc_root / str(pid)
        proc.mkdir()
        (proc / "stat").write_text(f"{pid} (etcd server) S 1 {pgid} {pgid} 0 -1 4194560\n")
        (proc / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv or ["etcd"]) + b"\0")
        (proc / "cwd").symlink_to(cwd or self.root)
        (proc / "root").symlink_to("/")
        lines = [
            f"{20 + i} 1 0:{i} / {point} rw,relatime - {fstype} none rw"
            for i, (point, fstype) in enumerate(mounts or [("/", "ext4")])
        ]
        (proc / "mountinfo").write_text("\n".join(lines) + "\n")
        self._set_cgroup(pid, cgroup)
        procs = self.hierarchy_root / cgroup.strip("/") / "cgroup.procs"
        procs.write_text(procs.read_text() + f"{pid}\n")

    def _set_cgroup(self, pid: int, cgroup: str) -> None:
        line = f"7:blkio:{cgroup}" if self.version == 1 else f"0::{cgroup}"
        (self.proc_root / str(pid) / "cgroup").write_text(f"9:name=systemd:/\n{line}\n")

    def cgroup_of(self, pid: int) -> str:
        text = (self.proc_root / str(pid) / "cgroup").read_text().splitlines()[-1]
        return text.split(":", 2)[2]

    def kernel(self) -> FakeKernelFs:
        return FakeKernelFs(self)


class FakeKernelFs(CgroupFs):
    def __init__(self, host: FakeHost) -> None:
        self.host = host
        self.writes: list[tuple[str, str]] = []

    def write(self, path: Path, text: str) -> None:
        self.writes.append((str(path.relative_to(self.host.hierarchy_root)), text))
        if not path.parent.is_dir() or not path.exists():
            raise FileNotFoundError(errno.ENOENT, "no such cgroup file", str(path))
        if path.name == "cgroup.procs":
            self._move(int(text.strip()), path.parent)
        elif path.name in (V1_BPS, V1_IOPS, V2_MAX):
            self._rule(path, text.strip())
        elif path.name == "cgroup.subtree_control":
            wanted = text.strip().lstrip("+")
            current = path.read_text().split()
            path.write_text(" ".join(sorted({*current, wanted})) + "\n")
        else:
            raise PermissionError(errno.EACCES, "not a writable control file", str(path))

    def mkdir(self, path: Path) -> None:
        path.mkdir()
        for name in V1_FILES if self.host.version == 1 else V2_FILES:
            (path / name).write_text("")

    def rmdir(self, path: Path) -> None:
        if not path.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no such cgroup", str(path))
        if (path / "cgroup.procs").read_text().split() or any(p.is_dir() for p in path.iterdir()):
            raise OSError(errno.EBUSY, "cgroup busy", str(path))
        shutil.rmtree(path)

    def _move(self, pid: int, target: Path) -> None:
        if not (self.host.proc_root / str(pid)).is_dir():
            raise ProcessLookupError(errno.ESRCH, "No such process")
        for procs in self.host.hierarchy_root.rglob("cgroup.procs"):
            pids = procs.read_text().split()
            if str(pid) in pids:
                procs.write_text("".join(f"{p}\n" for p in pids if p != str(pid)))
        (target / "cgroup.procs").write_text((target / "cgroup.procs").read_text() + f"{pid}\n")
        relative = target.relative_to(self.host.hierarchy_root)
        self.host._set_cgroup(pid, "/" + str(relative) if str(relative) != "." else "/")

    def _rule(self, path: Path, text: str) -> None:
        dev, _, value = text.partition(" ")
        node = self.host.sys_root / "dev" / "block" / dev
        if not node.exists() or (node.resolve() / "partition").exists():
            raise OSError(errno.ENODEV, "No such device")
        rules = {
            line.split(" ", 1)[0]: line.split(" ", 1)[1]
            for line in path.read_text().splitlines() if line
        }
        if path.name == V2_MAX:
            merged = dict(w.split("=") for w in rules.get(dev, "").split())
            merged.update(w.split("=") for w in value.split())
            value = " ".join(f"{k}={v}" for k, v in sorted(merged.items()) if v != "max")
            keep = bool(value)
        else:
            keep = int(value) != 0
        rules.pop(dev, None)
        if keep:
            rules[dev] = value
        path.write_text("".join(f"{d} {v}\n" for d, v in sorted(rules.items())))


def data_dir(host: FakeHost, name: str = "store-1") -> Path:
    path = host.root / "state" / name
    path.mkdir(parents=True)
    return Path(os.path.realpath(path))
