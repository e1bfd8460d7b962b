"""What every application fault type provides."""

from __future__ import annotations

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
