"""`gameday inject`, `faults`, `revert`, `abort` and `catalog`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from chaos.cli.common import JsonOption, StateDirOption, call, clock, console, emit, err
from chaos.durations import format_duration


def parse_setting(text: str) -> tuple[str, Any]:
    """`key=value`; the value is read as JSON when it parses (numbers, booleans, lists)."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise typer.BadParameter(f"{text!r} is not key=value", param_hint="--set")
    try:
        return key.strip(), json.loads(raw)
    except json.JSONDecodeError:
        return key.strip(), raw


def faults_table(records: list[dict]) -> Table:
    table = Table(
        "id", "type", "target", "hit", "state", "started", "deadline", "ended", title="faults"
    )
    for r in records:
        table.add_row(
            r["id"],
            r["type"],
            r["target"],
            ", ".join(r["targets"]),
            r["state"],
            clock(r["created_at"]),
            clock(r.get("deadline")),
            clock(r.get("ended_at")),
        )
    return table


def inject(
    fault_type: Annotated[str, typer.Argument(metavar="TYPE", help="See `gameday catalog`.")],
    target: Annotated[str, typer.Argument(help="web-2, lb, web:random, store:leader, ...")],
    duration: Annotated[str, typer.Option("--duration", "-d", help="e.g. 30s, 2m")] = "60s",
    settings: Annotated[list[str] | None, typer.Option("--set", help="A param, key=value.")] = None,
    probability: Annotated[float, typer.Option("--probability", min=0, max=1)] = 1.0,
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Inject a fault; it reverts itself after --duration."""
    params = dict(parse_setting(s) for s in settings or [])
    body = {
        "type": fault_type,
        "target": target,
        "params": params,
        "duration": duration,
        "probability": probability,
    }
    emit(call(state_dir, lambda c: c.post("/api/faults", json=body)), as_json, _show_injected)


def _show_injected(record: dict) -> None:
    if record["state"] == "skipped":
        console.print(f"{record['id']}: skipped (probability {record['probability']})")
        return
    console.print(
        f"[bold]{record['id']}[/] {record['type']} on {', '.join(record['targets'])} "
        f"for {format_duration(record['duration'])} (until {clock(record['deadline'])})"
    )


def faults(
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
    active: Annotated[bool, typer.Option("--active", help="Only active faults.")] = False,
) -> None:
    """List active and recent faults."""
    path = "/api/faults?state=active" if active else "/api/faults"
    emit(call(state_dir, lambda c: c.get(path)), as_json,
         lambda records: console.print(faults_table(records)))


def revert(
    fault_id: Annotated[str | None, typer.Argument(metavar="ID")] = None,
    all_faults: Annotated[bool, typer.Option("--all", help="Revert every active fault.")] = False,
    state_dir: StateDirOption = None,
) -> None:
    """Revert one fault, or all of them."""
    if all_faults == (fault_id is not None):
        err.print("[red]error:[/] give a fault ID or --all")
        raise typer.Exit(2)
    if all_faults:
        result = call(state_dir, lambda c: c.post("/api/abort"))
        console.print(f"reverted {len(result['reverted'])} faults")
        return
    record = call(state_dir, lambda c: c.delete(f"/api/faults/{fault_id}"))
    console.print(f"{record['id']}: {record['state']}")


def abort(state_dir: StateDirOption = None) -> None:
    """Revert every active fault now."""
    revert(None, True, state_dir)


def catalog(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """Every fault type, its params, the roles it targets and whether this runtime can do it."""
    emit(call(state_dir, lambda c: c.get("/api/catalog")), as_json, _show_catalog)


def _show_catalog(entries: list[dict]) -> None:
    table = Table("type", "targets", "params", "here", "what it does", title="fault catalog")
    for e in entries:
        props = e["params"].get("properties", {})
        required = set(e["params"].get("required", []))
        params = ", ".join(
            f"{k}{'*' if k in required else ''}={v.get('default', '')}"
            if "default" in v
            else f"{k}{'*' if k in required else ''}"
            for k, v in props.items()
        )
        here = "yes" if e["supported_here"] else f"no: {e['reason']}"
        table.add_row(e["type"], ",".join(e["roles"]), params or "-", here, e["summary"])
    console.print(table)
