"""`gameday events [--since 10m] [--kind K] [--component C] [--source S] [-f] [--json]`: the
stack's timeline, oldest first."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chaos.cli.common import JsonOption, StateDirOption, call, clock, console, emit, follow_changes

SOURCES = ("fault", "component", "page", "remediation", "drill", "store", "silence", "scenario",
           "load")
COLOURS = {"fault": "magenta", "component": "yellow", "page": "red", "remediation": "cyan",
           "drill": "blue", "store": "yellow", "silence": "red", "scenario": "magenta",
           "load": "cyan"}


def _line(event: dict) -> str:
    colour = COLOURS.get(event["source"], "white")
    return (f"{clock(event['ts'])} [{colour}]{event['kind']:<22}[/] {event['actor']:<10} "
            f"{event['summary']}")


def _show(events: list[dict]) -> None:
    if not events:
        console.print("no events")
        return
    table = Table("time", "kind", "component", "actor", "what", title="events (oldest first)")
    for e in events:
        colour = COLOURS.get(e["source"], "white")
        table.add_row(clock(e["ts"]), f"[{colour}]{e['kind']}[/]", e["component"] or "",
                      e["actor"], e["summary"])
    console.print(table)


def events(
    since: Annotated[str, typer.Option("--since", help="How far back: 90s, 5m, 2h.")] = "15m",
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", help="Only these kinds (repeatable): page.fired, or a source such as fault "
                       "for every fault.* kind.")] = None,
    component: Annotated[list[str] | None, typer.Option(
        "--component", help="Only events about these components (repeatable).")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help=f"Only these sources (repeatable): {', '.join(SOURCES)}.")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f",
                                         help="Keep printing new events.")] = False,
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """What happened, in order: faults, component exits and restarts, store leader changes,
    pages and silences, remediation moves, scenario steps, load changes and drills, from the
    controller's event log. During a drill its faults stay hidden until the reveal."""
    params = {"since": since, **({"kind": kind} if kind else {}),
              **({"component": component} if component else {}),
              **({"source": source} if source else {})}

    def fetch() -> list[dict]:
        return call(state_dir, lambda c: c.get("/api/events", params=params))

    if not follow:
        emit(fetch(), as_json, _show)
        return
    follow_changes(fetch, _line, lambda e: (e["ts"], e["kind"], e["summary"]))
