"""restart: a graceful restart, over once it happened (nothing to revert)."""

from chaos.faults.process import process_action

Restart = process_action(
    "restart", "Graceful restart; nothing to revert",
    local="SIGTERM then start again",
    docker="Engine API restart",
    act=lambda runtime, name, params: runtime.restart(name),
)
