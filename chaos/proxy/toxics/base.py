"""The one interface every fault kind implements.

A `Toxic` is one active fault: its validated params plus hooks. It acts at two levels:

* connection level: `on_new_connection` / `on_existing_connection` may reset a connection
  (cut, loss);
* data level: `new_stage` returns a `Stage` that sits in one direction of one connection and
  sees every chunk (latency, bandwidth, blackhole, loss). Stages of all faults on a direction
  are chained in the order the faults were created, so faults compose.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from chaos.netfaults.schemas import PARAMS

if TYPE_CHECKING:
    from chaos.proxy.connection import Connection
    from chaos.proxy.pipe import Pipe


class Stage:
    """One fault's hook into one direction of one connection. Default: pass chunks through.

    `out` is set by the owning `Pipe` to the next stage's `push` (or the final write). A stage
    that holds chunks must report them in `buffered` (bytes) so the pipe can apply
    backpressure, and call `self.pipe.released()` after handing held chunks on.
    """

    buffered: int = 0
    # True while this stage must also swallow the end of the stream (FIN / close), so a peer
    # behind a blackhole never learns that the other side went away.
    holds_end: bool = False

    def __init__(self, conn: Connection, pipe: Pipe) -> None:
        self.conn = conn
        self.pipe = pipe
        self.out: Callable[[bytes], None] = pipe.deliver

    def push(self, chunk: bytes) -> None:
        self.out(chunk)

    def remove(self) -> list[bytes]:
        """The fault was reverted: stop timers and return held chunks, oldest first."""
        return []

    def discard(self) -> None:
        """The connection is closing: stop timers, drop held chunks, no side effects."""
        self.remove()


class TimedStage(Stage):
    """A stage that holds chunks in `queue` and hands them on from a timer on the loop."""

    def __init__(self, conn: Connection, pipe: Pipe) -> None:
        super().__init__(conn, pipe)
        self.loop = asyncio.get_running_loop()
        self.queue: deque[Any] = deque()
        self.timer: asyncio.Handle | None = None

    def held(self) -> list[bytes]:
        """The chunks waiting in `queue`, oldest first."""
        return list(self.queue)

    def remove(self) -> list[bytes]:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        held = self.held()
        self.queue.clear()
        self.buffered = 0
        return held


class Toxic:
    """Base of every fault kind; subclasses set `kind`, `Params` and override hooks."""

    kind: ClassVar[str]
    # Always the shared schema of this kind (chaos/netfaults/schemas.py), set on register.
    Params: ClassVar[type[BaseModel]]

    def __init__(self, params: BaseModel) -> None:
        self.params = params

    def on_new_connection(self, conn: Connection, directions: tuple[str, ...]) -> None:
        """A connection appeared on a faulted link (before any byte is forwarded);
        `directions` are the ones this fault covers on that link."""

    def on_existing_connection(self, conn: Connection, directions: tuple[str, ...]) -> None:
        """The fault was just applied and `conn` was already open on a matching link."""

    def new_stage(self, conn: Connection, pipe: Pipe) -> Stage | None:
        """A data stage for one direction of `conn`, or None if this fault ignores data."""
        return None


TOXICS: dict[str, type[Toxic]] = {}


def register(cls: type[Toxic]) -> type[Toxic]:
    """Class decorator: make a fault kind available by its `kind` name, validated against
    the one params schema the controller's catalog uses too."""
    cls.Params = PARAMS[cls.kind]
    TOXICS[cls.kind] = cls
    return cls
