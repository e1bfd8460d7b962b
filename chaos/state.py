"""Files the stack keeps in its state directory, and safe ways to write them."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

# Set in the environment of every process a stack starts (controller and components), so
# `gameday down` can find what is left of a stack whose controller died. It is not
# GAMEDAY_STATE_DIR: users export that in their shell, and then their shell's children
# (make, an editor, `gameday logs -f`) would carry the marker too.
STACK_MEMBER_ENV = "GAMEDAY_STACK_MEMBER"


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """Write via rename so a crash never leaves a half-written file for the next reader."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StateDir:
    """Named paths inside one stack's state directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()

    @property
    def stack_file(self) -> Path:
        return self.root / "stack.json"

    @property
    def token_file(self) -> Path:
        return self.root / "token"

    @property
    def controller_pid_file(self) -> Path:
        return self.root / "controller.pid"

    @property
    def processes_file(self) -> Path:
        return self.root / "processes.json"

    @property
    def scale_file(self) -> Path:
        """How many web instances run now (changed by `gameday scale`)."""
        return self.root / "scale.json"

    @property
    def journal_file(self) -> Path:
        return self.root / "journal.jsonl"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    def log_file(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def component_dir(self, component: str) -> Path:
        return self.root / component

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)

    def read_json(self, path: Path) -> Any | None:
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return None

    def write_json(self, path: Path, data: Any, mode: int = 0o644) -> None:
        write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n", mode=mode)

    def token(self) -> str | None:
        try:
            return self.token_file.read_text().strip() or None
        except FileNotFoundError:
            return None

    def ensure_token(self) -> str:
        existing = self.token()
        if existing:
            return existing
        token = secrets.token_urlsafe(32)
        write_atomic(self.token_file, token + "\n", mode=0o600)
        return token
