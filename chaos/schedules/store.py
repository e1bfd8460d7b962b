"""Schedules on disk (`<state-dir>/schedules.json`), so they survive a controller restart."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from chaos.schedules.schedule import Schedule
from chaos.state import write_atomic

log = logging.getLogger("gameday.schedules")
_LIST = TypeAdapter(list[Schedule])


class ScheduleStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[Schedule]:
        try:
            raw = self.path.read_text()
        except FileNotFoundError:
            return []
        try:
            return _LIST.validate_python(json.loads(raw).get("schedules", []))
        except (ValueError, ValidationError) as exc:
            # A broken file must not keep the controller from starting; keep it for a human.
            broken = self.path.with_suffix(".json.broken")
            self.path.replace(broken)
            log.error("could not read %s (%s); moved it to %s", self.path, exc, broken)
            return []

    def save(self, schedules: list[Schedule]) -> None:
        data = {"schedules": [s.model_dump(mode="json") for s in schedules]}
        write_atomic(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
