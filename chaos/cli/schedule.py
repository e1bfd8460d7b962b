"""`gameday schedule add|list|rm`: run a scenario repeatedly on a cron expression or interval."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from chaos.cli.common import JsonOption, StateDirOption, call, console, emit, exactly_one
from chaos.durations import format_duration

app = typer.Typer(help="Run scenarios on a timetable (cron or interval).", no_args_is_help=True)


def when(epoch: float | None) -> str:
    """Local time; the date only when it is not today."""
    if not epoch:
        return "-"
    same_day = time.strftime("%Y%m%d", time.localtime(epoch)) == time.strftime("%Y%m%d")
    return time.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def timing(schedule: dict) -> str:
    text = (
        f"cron {schedule['cron']}"
        if schedule.get("cron")
        else f"every {format_duration(schedule['every'])}"
    )
    return text if schedule.get("jitter") in (None, "0%") else f"{text} ~{schedule['jitter']}"


@app.command("add")
def add(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a YAML path.")],
    cron: Annotated[str | None, typer.Option("--cron", help="e.g. '*/30 9-17 * * mon-fri'")] = None,
    every: Annotated[str | None, typer.Option("--every", help="e.g. 10m, 1h")] = None,
    jitter: Annotated[str, typer.Option("--jitter", help="e.g. 10% of the period, or 30s")] = "0%",
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Schedule SCENARIO with --cron EXPR or --every INTERVAL."""
    exactly_one(cron=cron, every=every)
    body = {"scenario": scenario, "cron": cron, "every": every, "jitter": jitter}
    emit(call(state_dir, lambda c: c.post("/api/schedules", json=body)), as_json, _show_added)


def _show_added(schedule: dict) -> None:
    console.print(
        f"[bold]{schedule['id']}[/] {schedule['scenario']} {timing(schedule)}, "
        f"next at {when(schedule['next_fire'])}"
    )


@app.command("list")
def list_schedules(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """Every schedule, its next fire time and its last result."""
    emit(call(state_dir, lambda c: c.get("/api/schedules")), as_json, _show_schedules)


def _show_schedules(schedules: list[dict]) -> None:
    table = Table("id", "scenario", "timing", "next", "last", "result", title="schedules")
    for s in schedules:
        last = s.get("last_result") or {}
        result = (
            " ".join(
                p for p in (last.get("outcome"), last.get("run_id") or last.get("detail")) if p
            )
            or "-"
        )
        table.add_row(
            s["id"], s["scenario"], timing(s), when(s["next_fire"]), when(last.get("at")), result
        )
    console.print(table)


@app.command("rm")
def remove(
    schedule_id: Annotated[str, typer.Argument(metavar="ID")],
    state_dir: StateDirOption = None,
) -> None:
    """Delete a schedule (a run it already started goes on)."""
    removed = call(state_dir, lambda c: c.delete(f"/api/schedules/{schedule_id}"))
    console.print(f"removed {removed['id']} ({removed['scenario']})")
