"""One supervised OS process: started in its own session so it outlives a crashed controller."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil


@dataclass
class ProcessHandle:
    """A running process we started (popen set) or adopted from an earlier controller."""

    pid: int
    create_time: float
    popen: subprocess.Popen | None = field(default=None, repr=False)

    @classmethod
    def spawn(
        cls, argv: list[str], env: dict[str, str], log_path: Path, cwd: Path
    ) -> ProcessHandle:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab", buffering=0) as log:
            log.write(f"\n--- start {time.strftime('%Y-%m-%dT%H:%M:%S')} {argv[0]}\n".encode())
            popen = subprocess.Popen(
                argv,
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                start_new_session=True,
            )
        return cls(pid=popen.pid, create_time=_create_time(popen.pid), popen=popen)

    @classmethod
    def adopt(cls, pid: int, create_time: float) -> ProcessHandle | None:
        """Take over a process recorded by an earlier controller, if it is still that process."""
        try:
            proc = psutil.Process(pid)
            if abs(proc.create_time() - create_time) > 0.05:
                return None  # the pid was reused by an unrelated process
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
        except psutil.Error:
            return None
        return cls(pid=pid, create_time=create_time)

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        try:
            proc = psutil.Process(self.pid)
            return (
                proc.status() != psutil.STATUS_ZOMBIE
                and abs(proc.create_time() - self.create_time) <= 0.05
            )
        except psutil.Error:
            return False

    def returncode(self) -> int | None:
        """Popen's exit status (negative: the signal); None when unknown (an adopted process,
        whose parent is gone) or still running."""
        return self.popen.poll() if self.popen is not None else None

    def is_stopped(self) -> bool:
        try:
            return psutil.Process(self.pid).status() == psutil.STATUS_STOPPED
        except psutil.Error:
            return False

    def rss_bytes(self) -> int:
        try:
            return psutil.Process(self.pid).memory_info().rss
        except psutil.Error:
            return 0

    def signal_group(self, sig: int) -> None:
        """Signal the whole session: some components (haproxy, locust) run child processes."""
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def wait_exit(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return True
            time.sleep(0.02)
        return not self.alive()


def _create_time(pid: int) -> float:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return 0.0
