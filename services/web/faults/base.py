"""What every application fault type provides."""

from __future__ import annotations

import threading
from typing import ClassVar

from pydantic import BaseModel


class Fault:
    """One injected fault. ``start`` runs on apply, ``stop`` on revert or expiry.

    Faults that only change how requests are answered (http-*) have nothing to start:
    the fault middleware consults them. Faults that burn resources run their own threads.
    """

    type_name: ClassVar[str]
    Params: ClassVar[type[BaseModel]]

    def __init__(self, params: BaseModel) -> None:
        self.params = params

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


class ThreadedFault(Fault):
    """A fault that burns a resource in daemon threads (`work`, one per name in
    `thread_names()`) until `stop` sets `stopping` and joins them."""

    def __init__(self, params: BaseModel) -> None:
        super().__init__(params)
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def thread_names(self) -> list[str]:
        return [self.type_name]

    def work(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        for name in self.thread_names():
            thread = threading.Thread(target=self.work, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=1.0)
        self._threads.clear()
