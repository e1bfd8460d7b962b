"""`gameday monkey ...` starts the monkey on the controller; `monkey status`, `monkey stop`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chaos.cli.common import JsonOption, StateDirOption, call, console, emit, err
from chaos.cli.schedule import when

app = typer.Typer(
    help="Chaos Monkey: random faults from an allow-list at random times, within limits.",
    invoke_without_command=True,
)


def _print_status(snapshot: dict, decisions: int = 10) -> None:
    state = snapshot["state"]
    if not state["running"]:
        console.print("monkey: stopped")
    else:
        console.print(f"monkey: {snapshot['summary']}")
        console.print(
            f"next strike at {when(state['next_fire'])}; fired {state['fired']}, "
            f"skipped {state['skipped']}, failed {state['failed']}; active: "
            f"{', '.join(state['active_faults']) or 'none'}"
        )
    if snapshot["decisions"] and decisions:
        table = Table(
            "at", "action", "reason", "fault", "target", "detail", title="recent decisions"
        )
        for d in snapshot["decisions"][:decisions]:
            table.add_row(
                when(d["at"]),
                d["action"],
                d.get("reason") or "-",
                d.get("fault") or "-",
                d.get("target") or "-",
                d["detail"],
            )
        console.print(table)


@app.callback()
def monkey(
    ctx: typer.Context,
    every: Annotated[
        str | None, typer.Option("--every", help="Mean time between strikes, e.g. 2m.")
    ] = None,
    jitter: Annotated[str, typer.Option("--jitter", help="e.g. 50% of --every, or 30s.")] = "0%",
    faults: Annotated[
        str | None, typer.Option("--faults", help="Allow-list, e.g. kill,pause.")
    ] = None,
    targets: Annotated[
        str | None, typer.Option("--targets", help="Allow-list, e.g. web:all.")
    ] = None,
    max_concurrent: Annotated[
        int, typer.Option("--max-concurrent", min=1, help="Monkey faults active at once, at most.")
    ] = 1,
    between: Annotated[
        str | None, typer.Option("--between", help="Daily window, e.g. 09:00-17:00 or 22:00-06:00.")
    ] = None,
    weekdays: Annotated[str | None, typer.Option("--weekdays", help="e.g. mon-fri.")] = None,
    duration: Annotated[str, typer.Option("--duration", help="How long each fault lasts.")] = "30s",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Decide and log, inject nothing.")
    ] = False,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Repeatable times and choices.")
    ] = None,
    allow_last_healthy: Annotated[
        bool,
        typer.Option("--allow-last-healthy", help="May hit the last healthy instance of a role."),
    ] = False,
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start (or replace) the monkey on the controller and return.

    Example: gameday monkey --every 2m --jitter 50% --faults kill,pause --targets web:all
    """
    if ctx.invoked_subcommand is not None:
        return
    missing = [
        flag
        for flag, value in (("--every", every), ("--faults", faults), ("--targets", targets))
        if not value
    ]
    if missing:
        err.print(
            f"[red]error:[/] starting the monkey needs {', '.join(missing)} "
            f"(or use `gameday monkey status` / `gameday monkey stop`)"
        )
        raise typer.Exit(2)
    body = {
        "every": every,
        "jitter": jitter,
        "faults": faults,
        "targets": targets,
        "max_concurrent": max_concurrent,
        "between": between,
        "weekdays": weekdays,
        "duration": duration,
        "dry_run": dry_run,
        "seed": seed,
        "allow_last_healthy": allow_last_healthy,
    }
    snapshot = call(state_dir, lambda c: c.post("/api/monkey", json=body))
    emit(snapshot, as_json, lambda started: _print_status(started, decisions=0))


@app.command("status")
def status(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """The monkey's config, state and recent decisions."""
    emit(call(state_dir, lambda c: c.get("/api/monkey")), as_json, _print_status)


@app.command("stop")
def stop(state_dir: StateDirOption = None) -> None:
    """Stop the monkey and revert the faults it started."""
    result = call(state_dir, lambda c: c.delete("/api/monkey"))
    console.print(
        f"monkey stopped; reverted {len(result['reverted'])} faults "
        f"{', '.join(result['reverted'])}".rstrip()
    )
