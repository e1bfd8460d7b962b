"""loss: with `probability`, reset each new connection, and reset a connection on each chunk.

TCP hides individual packet loss behind retransmits, so at the byte-stream level the
observable failure of a lossy network is a connection that dies; that is what we emulate.
"""

from __future__ import annotations

import random

from chaos.proxy.toxics.base import Stage, Toxic, register


class LossStage(Stage):
    def __init__(self, conn, pipe, probability: float) -> None:
        super().__init__(conn, pipe)
        self.probability = probability

    def push(self, chunk: bytes) -> None:
        if random.random() < self.probability:
            self.conn.reset()
        else:
            self.out(chunk)


@register
class Loss(Toxic):
    kind = "loss"

    def on_new_connection(self, conn, directions) -> None:
        if random.random() < self.params.probability:
            conn.reset()

    def new_stage(self, conn, pipe) -> Stage:
        return LossStage(conn, pipe, self.params.probability)
