"""A throwaway single-node etcd on free 127.0.0.1 ports, for tests and the benchmark.

Not used by the service itself; the real stack's etcd members are run by the controller.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalEtcd:
    def __init__(self, data_dir: Path, etcd_binary: str | None = None) -> None:
        self.data_dir = data_dir
        self.binary = etcd_binary or shutil.which("etcd") or "/usr/bin/etcd"
        self.client_port = free_port()
        self.peer_port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    def start(self, timeout: float = 15.0) -> None:
        peer_url = f"http://127.0.0.1:{self.peer_port}"
        log = (self.data_dir.parent / f"{self.data_dir.name}.log").open("ab")
        self._process = subprocess.Popen(
            [
                self.binary,
                "--name=solo",
                f"--data-dir={self.data_dir}",
                f"--listen-client-urls={self.endpoint}",
                f"--advertise-client-urls={self.endpoint}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=solo={peer_url}",
                "--log-level=error",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"etcd exited with {self._process.returncode}")
            try:
                response = httpx.post(
                    f"{self.endpoint}/v3/maintenance/status", json={}, timeout=0.5
                )
                if response.status_code == 200 and response.json().get("leader"):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"etcd did not become ready within {timeout}s")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.kill()
        self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> LocalEtcd:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
