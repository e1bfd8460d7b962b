"""pause: SIGSTOP on apply, SIGCONT on revert."""

from chaos.faults.process import process_action

Pause = process_action(
    "pause", "Freeze the process (SIGSTOP): a hung process whose sockets stay open",
    local="SIGSTOP / SIGCONT to the process group",
    docker="Engine API pause / unpause (cgroup freezer)",
    act=lambda runtime, name, params: runtime.pause(name),
    undo=lambda runtime, name, params: runtime.resume(name),
)
