"""Test helpers shared by the proxy tests: an echo server, timing-bounded I/O helpers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass, field

import pytest

# Every wait in these tests is bounded; this is the default bound.
TIMEOUT = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class EchoServer:
    """Echoes every byte back; closes its write side when the client half-closes."""

    port: int = 0
    received: bytearray = field(default_factory=bytearray)
    connections: int = 0
    server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while data := await reader.read(65536):
                self.received += data
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def start(self) -> EchoServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.server.close()
        # Python 3.12+ waits for handlers here; abort them so teardown is bounded.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.server.wait_closed(), 1)


async def roundtrip(reader, writer, payload: bytes, within: float = TIMEOUT) -> bytes:
    writer.write(payload)
    await writer.drain()
    return await asyncio.wait_for(reader.readexactly(len(payload)), within)


async def expect_reset(reader: asyncio.StreamReader, within: float = TIMEOUT) -> None:
    """The connection dies with a reset (RST), not a clean close."""
    with pytest.raises(ConnectionResetError):
        data = await asyncio.wait_for(reader.read(65536), within)
        raise AssertionError(f"expected a reset, got {data!r}")
