"""The `gameday` command line."""

from __future__ import annotations

import typer

from chaos.cli import (
    drill,
    events,
    faults,
    load,
    logs,
    monkey,
    pager,
    remediation,
    scenario,
    schedule,
    stack,
    traces,
)

app = typer.Typer(
    name="gameday",
    help="A chaos engineering playground: a small real production system, and ways to break it.",
    no_args_is_help=True,
    add_completion=False,
)
for command in (
    stack.up, stack.status, stack.down, logs.logs,
    faults.inject, faults.faults, faults.revert, faults.abort, faults.catalog,
    events.events, traces.trace, traces.traces, remediation.scale,
):
    app.command()(command)
for name in ("drain", "ready", "rollback", "restart"):
    app.command(name=name)(getattr(remediation, name))
for name, group in {
    "store": remediation.store_app, "load": load.app, "schedule": schedule.app,
    "monkey": monkey.app, "scenario": scenario.app, "drill": drill.app,
    "pager": pager.app, "silence": pager.silence_app,
}.items():
    app.add_typer(group, name=name)
