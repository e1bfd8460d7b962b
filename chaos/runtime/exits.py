"""Why a component stopped running, as data; rendered for people in one place (`describe`).

Both runtimes record an `ExitReason`: what caused the exit (a crash, the OOM killer, a fault,
the supervisor) and what was observed (an exit code or a signal). Everything that shows an exit
(status, the API, the supervisor's log) renders it here, and a drill hides a fault by dropping
the cause (`as_observed`), not by matching text: a fault-caused exit then reads exactly like
the same exit without a fault behind it.
"""

from __future__ import annotations

import signal as signals
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class ExitKind(StrEnum):
    # It exited by itself: an exit code, or a signal nobody in gameday sent (a crash).
    crash = "crash"
    # The memory limit was exceeded (the kernel's OOM killer, or the local supervisor's).
    oom = "oom"
    # A fault killed it (SIGKILL / Engine API kill).
    fault_kill = "fault-kill"
    # A fault stopped it gracefully (SIGTERM / Engine API stop) and holds it down.
    fault_stop = "fault-stop"
    # The supervisor stopped it on request: an operator's stop or restart, `down`.
    supervisor_stop = "supervisor-stop"
    # The supervisor could not start it again (Docker).
    start_failed = "start-failed"


# Causes gameday itself brings about to break the stack; a drill hides them.
FAULT_KINDS = frozenset({ExitKind.fault_kill, ExitKind.fault_stop})


class ExitReason(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: ExitKind
    code: int | None = None  # the exit code, when it exited
    signal: int | None = None  # the signal that ended it, when one did
    limit_mb: int | None = None  # oom: the limit it went over, when known
    detail: str | None = None  # start-failed: the error

    @classmethod
    def observed(cls, code: int | None = None, signal: int | None = None) -> ExitReason:
        """An exit nobody in gameday caused: an exit code or a signal."""
        return cls(kind=ExitKind.crash, code=code, signal=signal)

    @property
    def by_fault(self) -> bool:
        return self.kind in FAULT_KINDS

    def as_observed(self) -> ExitReason:
        """The exit as it looks without knowing its cause: what a real incident would show.

        A fault's kill reads as death by signal 9 (locally) or exit code 137 (a container),
        a fault's stop as the exit status the process gave; OOM stays OOM (the kernel says so).
        """
        if not self.by_fault:
            return self
        return ExitReason.observed(code=self.code, signal=self.signal)

    def describe(self) -> str:
        """The one rendering for people (`last_exit` in status, the supervisor's log)."""
        if self.kind is ExitKind.oom:
            return f"OOM-killed above {self.limit_mb} MiB" if self.limit_mb else "OOM-killed"
        if self.kind is ExitKind.fault_kill:
            return "killed by SIGKILL (fault)"
        if self.kind is ExitKind.fault_stop:
            return "stopped (fault)"
        if self.kind is ExitKind.supervisor_stop:
            return "stopped"
        if self.kind is ExitKind.start_failed:
            return f"could not start: {self.detail}"
        if self.signal is not None:
            # By number, as a shell reports it: the name would read like a mechanism.
            return f"terminated by signal {self.signal}"
        if self.code is not None:
            return f"exited with code {self.code}"
        return "exited unexpectedly"


def from_returncode(code: int | None) -> ExitReason:
    """A process's exit as Popen reports it (negative: the signal that ended it)."""
    if code is not None and code < 0:
        return ExitReason.observed(signal=-code)
    return ExitReason.observed(code=code)


SIGKILL = int(signals.SIGKILL)
