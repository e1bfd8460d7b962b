"""The fault journal: every apply and revert is written and fsync'd before it acts.

After a crash, whatever the journal shows as applied and not reverted is reverted by the next
controller. Reverts are idempotent, so a fault that was journaled but never applied is safe.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from chaos.state import write_atomic


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, event: str, **fields: Any) -> None:
        record = {"ts": time.time(), "event": event, **fields}
        line = json.dumps(record, sort_keys=True) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def records(self) -> list[dict]:
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return []
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a torn last line from a crash mid-write: that act never happened
        return records

    def pending(self) -> list[dict]:
        """Apply records with no matching revert, oldest first."""
        applied: dict[str, dict] = {}
        for record in self.records():
            if record["event"] == "apply":
                applied[record["id"]] = record
            elif record["event"] == "reverted":
                applied.pop(record["id"], None)
        return list(applied.values())

    def compact(self) -> None:
        """Keep only what is still pending, so the journal does not grow forever."""
        keep = self.pending()
        write_atomic(
            self.path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in keep), mode=0o600
        )
