"""A clock that stands still until a test moves it: pass it wherever code takes `clock=`."""

from __future__ import annotations


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
