"""The `gameday` command line."""

from __future__ import annotations

import typer

from chaos.cli import (
    drill,
    events,
    faults,
    load,
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
app.command()(stack.up)
app.command()(stack.status)
app.command()(stack.down)
app.command()(stack.logs)
app.command()(faults.inject)
app.command()(faults.faults)
app.command()(faults.revert)
app.command()(faults.abort)
app.command()(faults.catalog)
app.command()(events.events)
app.command()(traces.trace)
app.command()(traces.traces)
app.command()(remediation.scale)
for name in ("drain", "ready", "rollback", "restart"):
    app.command(name=name)(getattr(remediation, name))
app.add_typer(remediation.store_app, name="store")
app.add_typer(load.app, name="load")
app.add_typer(schedule.app, name="schedule")
app.add_typer(monkey.app, name="monkey")
app.add_typer(scenario.app, name="scenario")
app.add_typer(drill.app, name="drill")
app.add_typer(pager.app, name="pager")
app.add_typer(pager.silence_app, name="silence")
