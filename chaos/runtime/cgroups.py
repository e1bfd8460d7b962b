"""Block-I/O write throttling through the kernel's cgroups, for the `slow-disk` fault.

cgroup v1 (`blkio.throttle.write_bps_device` / `write_iops_device`) and cgroup v2 (`io.max`).
Both throttle only the I/O the kernel attributes to the cgroup: direct I/O, and the writeback
an fsync/fdatasync caller forces (etcd's WAL fsyncs). Buffered writes flushed later by kernel
workers are charged to the root on v1 and escape the limit; that is why this fault slows etcd's
fsyncs and not arbitrary page-cache writes.

Everything is read from the filesystem under roots that tests replace with a temporary tree
laid out like /sys/fs/cgroup, /proc and /sys; the three writes whose effect is the kernel's own
(a control-file write, mkdir, rmdir of a cgroup) go through a `CgroupFs`, which tests replace
with a model of the kernel's rules (chaos/testing/cgroupfs.py).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_ROOT = Path("/proc")
SYS_ROOT = Path("/sys")

V1_BPS = "blkio.throttle.write_bps_device"
V1_IOPS = "blkio.throttle.write_iops_device"
V2_MAX = "io.max"
# Filesystems with no block device under them: an fsync there never reaches a disk.
MEMORY_FILESYSTEMS = {"tmpfs", "ramfs", "devtmpfs", "proc", "sysfs"}
# Whole-disk names that are not storage a member writes to.
VIRTUAL_DISKS = ("loop", "ram", "zram", "nbd", "sr")


class CgroupUnavailable(RuntimeError):
    """This host cannot throttle a process's block I/O; the message says why."""


Device = tuple[int, int]


class CgroupFs:
    """The kernel side of a cgroup filesystem: writes to control files, mkdir, rmdir."""

    def write(self, path: Path, text: str) -> None:
        with open(path, "w") as handle:  # one write(2): the kernel parses each write alone
            handle.write(text)

    def mkdir(self, path: Path) -> None:
        path.mkdir(exist_ok=True)

    def rmdir(self, path: Path) -> None:
        path.rmdir()


@dataclass(frozen=True)
class Hierarchy:
    """The cgroup hierarchy that holds the block-I/O controller (v1 blkio or v2 io)."""

    version: int
    root: Path
    fs: CgroupFs = field(default_factory=CgroupFs, compare=False, repr=False)

    # -- where processes are ----------------------------------------------------------------

    def cgroup_of(self, pid: int, proc_root: Path = PROC_ROOT) -> str:
        """The pid's cgroup in this hierarchy, as a path relative to its root ("/a/b")."""
        try:
            text = (proc_root / str(pid) / "cgroup").read_text()
        except OSError as exc:
            raise ProcessLookupError(f"pid {pid}: {exc}") from exc
        for line in text.splitlines():
            _, controllers, path = line.split(":", 2)
            if self.version == 2 and controllers == "":
                return path
            if self.version == 1 and "blkio" in controllers.split(","):
                return path
        raise CgroupUnavailable(f"pid {pid} is in no {self.controller} cgroup")

    @property
    def controller(self) -> str:
        return "blkio" if self.version == 1 else "io"

    def path(self, cgroup: str) -> Path:
        return self.root / cgroup.strip("/") if cgroup.strip("/") else self.root

    def procs(self, cgroup: str) -> list[int]:
        try:
            text = (self.path(cgroup) / "cgroup.procs").read_text()
        except FileNotFoundError:
            return []
        return [int(word) for word in text.split()]

    def move(self, pid: int, cgroup: str) -> None:
        """Move the whole process (every thread) into the cgroup."""
        self.fs.write(self.path(cgroup) / "cgroup.procs", f"{pid}\n")

    # -- creating and removing --------------------------------------------------------------

    def make(self, cgroup: str) -> None:
        parts = [p for p in cgroup.strip("/").split("/") if p]
        for depth in range(len(parts)):
            parent = self.path("/".join(parts[:depth]))
            if self.version == 2:
                # v2: io must be enabled in each ancestor's subtree_control for io.max below.
                control = parent / "cgroup.subtree_control"
                if "io" not in control.read_text().split():
                    self.fs.write(control, "+io\n")
            if not (parent / parts[depth]).is_dir():
                self.fs.mkdir(parent / parts[depth])

    def remove(self, cgroup: str) -> None:
        """rmdir the cgroup (the kernel refuses while it holds processes or children)."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rmdir(self.path(cgroup))

    # -- the limits -------------------------------------------------------------------------

    def set_write_limits(self, cgroup: str, device: Device, bps: int, iops: int) -> None:
        """Cap writes to the device; 0 means no cap for that dimension."""
        major, minor = device
        path = self.path(cgroup)
        if self.version == 1:
            # v1 takes one rule per line and file; writing 0 deletes the device's rule.
            self.fs.write(path / V1_BPS, f"{major}:{minor} {bps}\n")
            self.fs.write(path / V1_IOPS, f"{major}:{minor} {iops}\n")
            return
        wbps = bps if bps else "max"
        wiops = iops if iops else "max"
        self.fs.write(path / V2_MAX, f"{major}:{minor} wbps={wbps} wiops={wiops}\n")

    def clear_write_limits(self, cgroup: str, device: Device) -> None:
        if self.path(cgroup).is_dir():
            self.set_write_limits(cgroup, device, 0, 0)

    def write_limits(self, cgroup: str) -> dict[Device, dict[str, int]]:
        """What the kernel holds now for the cgroup: {device: {"bps": n, "iops": n}}."""
        path = self.path(cgroup)
        found: dict[Device, dict[str, int]] = {}
        if self.version == 1:
            for name, key in ((V1_BPS, "bps"), (V1_IOPS, "iops")):
                for dev, value in _rules(path / name):
                    found.setdefault(dev, {})[key] = int(value)
            return found
        for dev, rest in _rules(path / V2_MAX):
            for word in rest.split():
                key, _, value = word.partition("=")
                if key in ("wbps", "wiops") and value != "max":
                    found.setdefault(dev, {})[key[1:]] = int(value)
        return found


def _rules(path: Path) -> list[tuple[Device, str]]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    rules = []
    for line in text.splitlines():
        dev, _, rest = line.strip().partition(" ")
        if ":" in dev:
            major, minor = dev.split(":")
            rules.append(((int(major), int(minor)), rest.strip()))
    return rules


def find_hierarchy(cgroup_root: Path = CGROUP_ROOT, fs: CgroupFs | None = None) -> Hierarchy:
    """The writable blkio (v1) or io (v2) hierarchy, or CgroupUnavailable saying why not."""
    fs = fs or CgroupFs()
    v1 = cgroup_root / "blkio"
    if (v1 / V1_IOPS).exists():
        hierarchy = Hierarchy(1, v1, fs)
    else:
        hierarchy = None
        for candidate in (cgroup_root, cgroup_root / "unified"):
            controllers = candidate / "cgroup.controllers"
            if controllers.exists() and "io" in controllers.read_text().split():
                hierarchy = Hierarchy(2, candidate, fs)
                break
        if hierarchy is None:
            raise CgroupUnavailable(
                f"no block-I/O cgroup controller under {cgroup_root} (neither a v1 blkio "
                "hierarchy with throttling nor a v2 hierarchy offering io)"
            )
    if not os.access(hierarchy.root, os.W_OK):
        raise CgroupUnavailable(
            f"the {hierarchy.controller} cgroup hierarchy at {hierarchy.root} is not writable "
            f"by uid {os.geteuid()} (throttling needs root and a read-write cgroup mount)"
        )
    return hierarchy


def unavailable_reason(cgroup_root: Path = CGROUP_ROOT) -> str | None:
    try:
        find_hierarchy(cgroup_root)
    except (CgroupUnavailable, OSError) as exc:
        return str(exc)
    return None


# -- which disk ---------------------------------------------------------------------------


def devices_for(
    pid: int, path: str, proc_root: Path = PROC_ROOT, sys_root: Path = SYS_ROOT
) -> list[Device]:
    """The whole disk(s) that hold `path` as process `pid` sees it (through its root, so a
    container's path works from the host's pid namespace).

    Throttling is configured per whole disk: a partition maps to its disk; a device-mapper or
    md device is throttled itself (its bios are submitted to it first). A filesystem with no
    block device of its own (overlayfs, btrfs subvolumes: major 0) throttles every real disk,
    which still only slows this cgroup; a memory filesystem cannot be slowed at all.
    """
    fstype = _fstype(pid, path, proc_root)
    if fstype in MEMORY_FILESYSTEMS:
        raise CgroupUnavailable(f"{path} is on {fstype}: its writes never reach a disk")
    seen = proc_root / str(pid) / "root" / path.lstrip("/")
    st_dev = _st_dev(seen)
    major, minor = os.major(st_dev), os.minor(st_dev)
    if major == 0:
        disks = real_disks(sys_root)
        if not disks:
            raise CgroupUnavailable(f"{path} is on no block device and the host lists no disk")
        return disks
    return [whole_disk((major, minor), sys_root)]


def _st_dev(path: Path) -> int:
    return os.stat(path).st_dev


def whole_disk(device: Device, sys_root: Path = SYS_ROOT) -> Device:
    node = sys_root / "dev" / "block" / f"{device[0]}:{device[1]}"
    if not node.exists():
        raise CgroupUnavailable(f"block device {device[0]}:{device[1]} is not in {node.parent}")
    real = node.resolve()
    if (real / "partition").exists():
        return _dev_of(real.parent / "dev")
    return device


def real_disks(sys_root: Path = SYS_ROOT) -> list[Device]:
    block = sys_root / "block"
    if not block.is_dir():
        return []
    return [
        _dev_of(entry / "dev")
        for entry in sorted(block.iterdir())
        if not entry.name.startswith(VIRTUAL_DISKS) and (entry / "dev").exists()
    ]


def _dev_of(path: Path) -> Device:
    major, minor = path.read_text().strip().split(":")
    return int(major), int(minor)


def _fstype(pid: int, path: str, proc_root: Path) -> str | None:
    """The filesystem type of the mount holding `path` in the pid's mount namespace."""
    try:
        text = (proc_root / str(pid) / "mountinfo").read_text()
    except OSError:
        return None
    best, fstype = "", None
    for line in text.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        mount_point = fields[4]
        after = line.split(" - ", 1)[1].split()
        inside = path == mount_point or path.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, fstype = mount_point, after[0]
    return fstype


# -- which processes ----------------------------------------------------------------------


def process_group(pid: int, proc_root: Path = PROC_ROOT) -> list[int]:
    """Every process in pid's process group (the local runtime spawns each component as the
    leader of its own session), the leader first."""
    members = []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pid and int(entry.name) != pid:
            members.append(int(entry.name))
    return [pid, *sorted(members)]


def data_dir_of(pid: int, proc_root: Path = PROC_ROOT) -> str:
    """The directory a member writes: etcd's `--data-dir`, else its working directory."""
    raw = (proc_root / str(pid) / "cmdline").read_bytes()
    argv = [a.decode(errors="replace") for a in raw.split(b"\0")]
    cwd = os.readlink(proc_root / str(pid) / "cwd")
    for index, arg in enumerate(argv):
        if arg.startswith("--data-dir="):
            return os.path.join(cwd, arg.split("=", 1)[1])
        if arg == "--data-dir" and index + 1 < len(argv):
            return os.path.join(cwd, argv[index + 1])
    return cwd
