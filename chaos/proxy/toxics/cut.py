"""cut: the link is down. Open connections are reset and new ones are reset on arrival.

A TCP connection cannot be half-reset, so `direction` does not apply; a one-way partition is
made by cutting only the `a->b` link (the direction in which connections are dialled).
"""

from __future__ import annotations

from chaos.proxy.toxics.base import Toxic, register


@register
class Cut(Toxic):
    kind = "cut"

    def on_new_connection(self, conn) -> None:
        conn.reset()

    def on_existing_connection(self, conn) -> None:
        conn.reset()
