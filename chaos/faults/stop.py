"""stop: SIGTERM, held down for the fault's duration; started again on revert."""

from chaos.faults.process import process_action
from chaos.runtime.exits import ExitKind

Stop = process_action(
    "stop", "Graceful stop (SIGTERM); stays down for the fault's duration",
    local="SIGTERM, held down by the supervisor",
    docker="Engine API stop, held down by the controller",
    act=lambda runtime, name, params: runtime.stop(name, hold=True, cause=ExitKind.fault_stop),
    undo=lambda runtime, name, params: runtime.start(name),
)
