"""Files the stack keeps in its state directory, and safe ways to write them."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

# Set in the environment of every process a stack starts (controller and components), so
# `gameday down` can find what is left of a stack whose controller died. It is not
# GAMEDAY_STATE_DIR: users export that in their shell, and then their shell's children
# (make, an editor, `gameday logs -f`) would carry the marker too.
STACK_MEMBER_ENV = "GAMEDAY_STACK_MEMBER"


def _create_with_mode(directory: Path, name: str, mode: int) -> tuple[int, Path]:
    """A new file that has `mode` before its first byte: opened O_EXCL with the mode (so a
    secret is never readable by others, not even for an instant), then fchmod on the empty
    file only to undo a umask stricter than asked for."""
    for _ in range(100):
        tmp = directory / f".{name}.{secrets.token_hex(6)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        except FileExistsError:
            continue
        os.fchmod(fd, mode)
        return fd, tmp
    raise FileExistsError(f"no free temporary name next to {directory / name}")


def _write_fd(fd: int, text: str) -> None:
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """Write via rename so a crash never leaves a half-written file for the next reader.
    The file has `mode` from its creation on (never chmod after writing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_with_mode(path.parent, path.name, mode)
    try:
        _write_fd(fd, text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def create_secret(path: Path, text: str) -> bool:
    """Write `text` to `path` (mode 0600 from the first byte) unless `path` exists; True if
    this call created it. Atomic: a reader sees no file or the whole secret, and of two
    racing writers exactly one wins (a hard link fails if the name is taken)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_with_mode(path.parent, path.name, 0o600)
    try:
        _write_fd(fd, text)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a filesystem without hard links: exclusive create, same mode
            direct = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            os.fchmod(direct, 0o600)
            _write_fd(direct, text)
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


class _Below:
    """A path below the state directory's root, named when the class is written."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, state: StateDir, owner: type) -> Path:
        return state.root / self.name


class StateDir:
    """Named paths inside one stack's state directory."""

    stack_file = _Below("stack.json")
    token_file = _Below("token")
    controller_pid_file = _Below("controller.pid")
    processes_file = _Below("processes.json")
    # How many web instances run now (changed by `gameday scale`).
    scale_file = _Below("scale.json")
    journal_file = _Below("journal.jsonl")
    logs = _Below("logs")
    runs = _Below("runs")

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()

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
        # Created once, 0600 from the first byte; if another process won the race, its
        # token is the stack's.
        create_secret(self.token_file, secrets.token_urlsafe(32) + "\n")
        return self.token() or ""
