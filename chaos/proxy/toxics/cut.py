"""cut: the link is down.

Cut both ways, open connections are reset and new ones are reset on arrival. A TCP connection
cannot be half-reset, so a cut in one direction (a one-way partition) swallows the bytes
sent that way instead, as a blackhole does, and leaves the other direction flowing.
"""

from __future__ import annotations

from chaos.proxy.links import DIRECTIONS
from chaos.proxy.toxics.base import Stage, Toxic, register
from chaos.proxy.toxics.blackhole import BlackholeStage


@register
class Cut(Toxic):
    kind = "cut"

    def on_new_connection(self, conn, directions) -> None:
        if directions == DIRECTIONS:
            conn.reset()

    def on_existing_connection(self, conn, directions) -> None:
        if directions == DIRECTIONS:
            conn.reset()

    def new_stage(self, conn, pipe) -> Stage:
        return BlackholeStage(conn, pipe)
