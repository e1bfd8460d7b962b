"""blackhole: accept, never answer. Bytes in the faulted direction(s) are swallowed.

The proxy keeps reading (so the sender's writes succeed, as they would into a network that
drops packets after the local kernel accepted them), forwards nothing, and also swallows the
end of the stream, so the far side never sees a FIN either.

On revert, a connection that actually lost bytes is reset: its stream has a hole, and
resuming it would hand the peer a corrupt protocol stream (half an HTTP response, a torn Raft
message). Connections that lost nothing carry on untouched.
"""

from __future__ import annotations

import asyncio

from chaos.proxy.toxics.base import Stage, Toxic, register


class BlackholeStage(Stage):
    holds_end = True

    def __init__(self, conn, pipe) -> None:
        super().__init__(conn, pipe)
        self.swallowed = 0

    def push(self, chunk: bytes) -> None:
        self.swallowed += len(chunk)

    def remove(self) -> list[bytes]:
        if self.swallowed:
            # Deferred: we are inside the pipe's rebuild, which should finish first.
            asyncio.get_running_loop().call_soon(self.conn.reset)
        return []

    def discard(self) -> None:
        pass  # the connection is closing anyway


@register
class Blackhole(Toxic):
    kind = "blackhole"

    def new_stage(self, conn, pipe) -> Stage:
        return BlackholeStage(conn, pipe)
