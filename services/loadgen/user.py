"""The simulated client: one Locust user sending the operation mix at its paced rate."""

from __future__ import annotations

import random
from typing import Any, ClassVar

import gevent
from locust import FastHttpUser, task

from services.loadgen.node import Node
from services.loadgen.pacing import Pacer


class KvUser(FastHttpUser):
    # Set once per process by the locustfile's init hook, before any user is spawned.
    node: ClassVar[Node]

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._pacer = Pacer()
        self._rng = random.Random()

    def wait_time(self) -> float:
        return self._pacer.wait_time(self.node.per_user_rate)

    def on_start(self) -> None:
        gevent.sleep(self._pacer.first_delay(self.node.per_user_rate))

    @task
    def next_operation(self) -> None:
        self.node.operations.run(self.node.picker.pick(), self.client, self._rng)
