"""Choosing ports: well-known defaults for what users open, free ports for the rest."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def pick_free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class PortAllocator:
    """Hands out distinct ports and remembers which defaults had to be replaced."""

    host: str
    use_defaults: bool = True
    taken: set[int] = field(default_factory=set)
    conflicts: list[str] = field(default_factory=list)

    def default(self, purpose: str, preferred: int) -> int:
        if self.use_defaults:
            if preferred not in self.taken and port_is_free(self.host, preferred):
                self.taken.add(preferred)
                return preferred
            port = self.free()
            self.conflicts.append(f"port {preferred} ({purpose}) is in use; using {port} instead")
            return port
        return self.free()

    def free(self) -> int:
        for _ in range(100):
            port = pick_free_port(self.host)
            if port not in self.taken:
                self.taken.add(port)
                return port
        raise RuntimeError("could not find a free port")
