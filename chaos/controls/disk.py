"""Slow a store member's disk: cap its block-I/O writes through its cgroup (`slow-disk`).

Local runtime (`move` mode): the member's process group is moved into a cgroup of its own,
`<blkio root>/gameday-<stack>/<member>`, and the cap is written there; revert lifts the cap,
moves whatever processes the cgroup holds back to where the member came from and removes it.
Docker runtime (`in-place` mode): each container already has a cgroup of its own; the cap is
written into it and lifted on revert, nothing is moved.

Revert needs nothing held in memory: before it acts, apply writes what it is about to change to
`<state>/disk-throttle/<member>.json` (cgroup, original cgroup, devices, the faults holding a
cap), so a controller that starts after a crash reverts from the journal record (member + fault
id) and that file alone. Two slow-disk faults on one member share the cgroup: the newest cap
holds until it is reverted, and the cgroup goes when the last one is.

A member that exits while throttled (a kill fault, a crash) is restarted by the supervisor as a
new process outside the cgroup: the restarted member is no longer slowed. Revert still lifts the
cap and removes the (then empty) cgroup.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from chaos.runtime import cgroups
from chaos.runtime.base import Runtime
from chaos.runtime.cgroups import CgroupUnavailable, Device, Hierarchy

# Debug only: like the fault manager, nothing at info names a fault (drills hide theirs).
log = logging.getLogger("gameday.disk")


class DiskThrottle:
    """The DiskControl of the local and Docker runtimes (see chaos/faults/context.py)."""

    def __init__(
        self,
        runtime: Runtime,
        state_root: Path,
        *,
        move: bool = True,
        cgroup_root: Path = cgroups.CGROUP_ROOT,
        proc_root: Path = cgroups.PROC_ROOT,
        sys_root: Path = cgroups.SYS_ROOT,
        fs: cgroups.CgroupFs | None = None,
    ) -> None:
        self.runtime = runtime
        self.records = Path(state_root) / "disk-throttle"
        self.move = move
        self.cgroup_root = cgroup_root
        self.proc_root = proc_root
        self.sys_root = sys_root
        self.fs = fs
        digest = hashlib.sha1(str(Path(state_root).resolve()).encode()).hexdigest()[:10]
        # One directory per stack, so stacks sharing the machine never touch each other's.
        self.stack_cgroup = f"/gameday-{digest}"

    def unavailable_reason(self) -> str | None:
        return cgroups.unavailable_reason(self.cgroup_root)

    def cgroup_for(self, member: str) -> str:
        """The cgroup `move` mode puts the member in."""
        return f"{self.stack_cgroup}/{member}"

    # -- apply -------------------------------------------------------------------------------

    async def throttle(
        self, member: str, fault_id: str, write_bps: int, write_iops: int
    ) -> dict[str, Any]:
        hierarchy = cgroups.find_hierarchy(self.cgroup_root, self.fs)
        pid = self.runtime.status(member).pid
        if not pid:
            raise RuntimeError(f"{member} is not running: no process to slow")
        data_dir = cgroups.data_dir_of(pid, self.proc_root)
        devices = cgroups.devices_for(pid, data_dir, self.proc_root, self.sys_root)
        record = self._read(member) or {"faults": {}, "devices": []}
        if self.move:
            cgroup = self.cgroup_for(member)
            now = hierarchy.cgroup_of(pid, self.proc_root)
            if not now.startswith(self.stack_cgroup + "/"):
                record["origin"] = now
        else:
            cgroup = hierarchy.cgroup_of(pid, self.proc_root)
            if ".." in cgroup.split("/") or not hierarchy.path(cgroup).is_dir():
                raise CgroupUnavailable(
                    f"{member}'s cgroup {cgroup} is not visible under {hierarchy.root} here "
                    "(the controller needs the host's cgroup hierarchy mounted read-write)"
                )
        record["cgroup"] = cgroup
        record["devices"] = sorted({*map(tuple, record["devices"]), *devices})
        record["faults"][fault_id] = {"bps": write_bps, "iops": write_iops, "devices": devices}
        self._write(member, record)  # before acting: revert must find what this changes
        moved = []
        if self.move:
            hierarchy.make(cgroup)
            for each in cgroups.process_group(pid, self.proc_root):
                try:
                    hierarchy.move(each, cgroup)
                    moved.append(each)
                except ProcessLookupError:
                    if each == pid:
                        raise
        self._enforce(hierarchy, record)
        log.debug("%s: writes capped at %s B/s, %s IOPS on %s in %s", member, write_bps,
                 write_iops, devices, cgroup)
        return {
            "cgroup": str(hierarchy.path(cgroup)),
            "devices": [f"{a}:{b}" for a, b in devices],
            "pids": moved or [pid],
        }

    # -- revert ------------------------------------------------------------------------------

    async def unthrottle(self, member: str, fault_id: str) -> None:
        """Idempotent: lifts this fault's cap; the last one out restores the member."""
        record = self._read(member)
        if record is None:
            if self.move:
                self._orphan_cleanup(member)
            return
        hierarchy = cgroups.find_hierarchy(self.cgroup_root, self.fs)
        record["faults"].pop(fault_id, None)
        if record["faults"]:
            self._write(member, record)
            self._enforce(hierarchy, record)
            return
        cgroup = record["cgroup"]
        for device in record["devices"]:
            hierarchy.clear_write_limits(cgroup, tuple(device))
        if self.move:
            self._empty_and_remove(hierarchy, cgroup, record.get("origin", "/"))
        self._path(member).unlink(missing_ok=True)
        log.debug("%s: disk writes no longer capped", member)

    def _orphan_cleanup(self, member: str) -> None:
        """No record (never applied, or already reverted): remove a cgroup left anyway."""
        try:
            hierarchy = cgroups.find_hierarchy(self.cgroup_root, self.fs)
        except CgroupUnavailable:
            return
        cgroup = self.cgroup_for(member)
        if hierarchy.path(cgroup).is_dir():
            self._empty_and_remove(hierarchy, cgroup, "/")

    def _empty_and_remove(self, hierarchy: Hierarchy, cgroup: str, origin: str) -> None:
        if origin.startswith(self.stack_cgroup + "/") or not hierarchy.path(origin).is_dir():
            origin = "/"
        for pid in hierarchy.procs(cgroup):
            with contextlib.suppress(ProcessLookupError):
                hierarchy.move(pid, origin)
        hierarchy.remove(cgroup)
        if hierarchy.path(self.stack_cgroup).is_dir() and not any(
            p.is_dir() for p in hierarchy.path(self.stack_cgroup).iterdir()
        ):
            hierarchy.remove(self.stack_cgroup)

    # -- helpers -----------------------------------------------------------------------------

    def _enforce(self, hierarchy: Hierarchy, record: dict) -> None:
        """Each device gets the cap of the newest fault naming it; the others none."""
        caps: dict[Device, tuple[int, int]] = {}
        for fault in record["faults"].values():
            for device in fault["devices"]:
                caps[tuple(device)] = (fault["bps"], fault["iops"])
        for device in record["devices"]:
            bps, iops = caps.get(tuple(device), (0, 0))
            hierarchy.set_write_limits(record["cgroup"], tuple(device), bps, iops)

    def _path(self, member: str) -> Path:
        return self.records / f"{member}.json"

    def _read(self, member: str) -> dict | None:
        try:
            return json.loads(self._path(member).read_text())
        except FileNotFoundError:
            return None

    def _write(self, member: str, record: dict) -> None:
        self.records.mkdir(parents=True, exist_ok=True)
        tmp = self._path(member).with_suffix(".tmp")
        with open(tmp, "w") as handle:
            json.dump(record, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self._path(member))
