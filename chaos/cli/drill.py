"""`gameday drill list|start|status|hint|choices|answer|reveal|history`: Wheel of Misfortune."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from chaos.cli.common import JsonOption, StateDirOption, call, console, emit

app = typer.Typer(help="Drills: diagnose and mitigate a hidden incident, then read the debrief.",
                  no_args_is_help=True)

# The reveal reverts faults, queries Prometheus and draws charts before it answers.
REVEAL_TIMEOUT_SECONDS = 180.0


class Difficulty(StrEnum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


def _clock(times: dict) -> str:
    """The on-call clock: time to acknowledge, diagnose, mitigate (from the start)."""
    return "  ".join(f"{name.upper()} {'-' if t is None else f'{t:.0f}s'}"
                     for name, t in times.items())


def _show_running(drill: dict) -> None:
    steady = drill["steady_state"]
    holds = {True: "[green]holds[/]", False: "[red]broken[/]", None: "unknown"}[steady["holds"]]
    if steady["holding_for"] is not None:
        holds += f" for {steady['holding_for']:.0f}s of {steady['needed']:.0f}s"
    console.print(f"drill [bold]{drill['id']}[/] ({drill['difficulty']}), running for "
                  f"{drill['elapsed']:.0f}s; steady state {holds}")
    console.print(f"hints: {len(drill['hints_given'])} taken, {drill['hints_left']} left; "
                  f"tries left: {drill['tries_left']}; {_clock(drill['times'])}")
    for i, hint in enumerate(drill["hints_given"], 1):
        console.print(f"  hint {i}: {hint}", highlight=False)
    for a in drill["answers"]:
        console.print(f"  {a['t']:.0f}s answered {a['component']} / {a['cause']}: "
                      + ("[green]right[/]" if a["correct"] else "[red]wrong[/]"))
    for m in drill["remediation"]:
        console.print(f"  {m['t']:.0f}s {m['action']} {m.get('component') or m.get('to') or ''}")


def _show_finished(drill: dict) -> None:
    score = drill.get("score") or {}
    console.print(f"drill [bold]{drill['id']}[/]: [bold]{drill['title']}[/] -> "
                  f"[bold]{drill['outcome']}[/], score {score.get('total', 0)}/100")
    console.print(f"  {score.get('explanation', '')}", highlight=False)
    console.print(f"  on-call clock: {_clock(drill['times'])}")
    console.print(f"cause: [bold]{drill['cause']}[/] on {', '.join(drill['components'])}")
    faults = Table(title="what was injected")
    for column in ("fault", "targets", "params", "applied", "ended"):
        faults.add_column(column)
    for f in drill["faults"]:
        faults.add_row(f["type"], ", ".join(f["targets"]), json.dumps(f["params"]),
                       f"{f['applied_at'] or 0:.0f}s",
                       "-" if f["ended_at"] is None else f"{f['ended_at']:.0f}s")
    console.print(faults)
    debrief = drill.get("debrief") or {}
    signals = Table(title="what showed it first (after the injection)")
    signals.add_column("signal")
    signals.add_column("after")
    for d in debrief.get("detections", []):
        signals.add_row(d["signal"], f"{d['after_seconds']:.0f}s")
    console.print(signals)
    timeline = Table(title="timeline")
    for column in ("t", "event", "what"):
        timeline.add_column(column)
    for e in drill["events"]:
        timeline.add_row(f"{e['t']:.0f}s", e["kind"], e["message"])
    console.print(timeline)
    if debrief.get("postmortem"):
        console.print(f"postmortem draft: {debrief['postmortem']}")


@app.command("list")
def list_incidents(as_json: JsonOption = False) -> None:
    """The incident library (chaos/drills/library/*.yaml) a drill picks from."""
    from chaos.drills.incidents import library

    entries = [{"name": name, "title": spec.title, "difficulty": spec.difficulty,
                "cause": spec.cause, "based_on": spec.based_on, "faults": len(spec.faults)}
               for name, spec in library().items()]
    emit(entries, as_json, _show_incidents)


def _show_incidents(entries: list[dict]) -> None:
    table = Table(title=f"{len(entries)} incidents (a drill picks one of its difficulty)")
    for column in ("difficulty", "name", "title", "cause", "based on"):
        table.add_column(column)
    order = {d.value: i for i, d in enumerate(Difficulty)}
    for e in sorted(entries, key=lambda e: (order[e["difficulty"]], e["name"])):
        table.add_row(e["difficulty"], e["name"], e["title"], e["cause"], e["based_on"] or "-")
    console.print(table)


@app.command()
def start(
    difficulty: Annotated[Difficulty, typer.Option(help="How hard the incident is.")] =
    Difficulty.medium,
    seed: Annotated[int | None, typer.Option(min=0, help="Replay a drill exactly.")] = None,
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a drill: something breaks, you are on call. Find it, fix it, answer."""
    body = {"difficulty": difficulty.value, "seed": seed}
    emit(call(state_dir, lambda c: c.post("/api/drills", json=body)), as_json, _show_started)


def _show_started(drill: dict) -> None:
    console.print(f"drill [bold]{drill['id']}[/] started ({drill['difficulty']}). You are on "
                  "call: users may be hurting. Use `gameday status`, the dashboards, alerts and "
                  "logs; `gameday drill hint` if stuck; `gameday drill answer --component NAME "
                  "--cause CAUSE` (see `gameday drill choices`); then mitigate.")


@app.command()
def status(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """The running drill (no fault details), or the last one in full."""
    emit(call(state_dir, lambda c: c.get("/api/drills/current")), as_json, _show_drill)


def _show_drill(drill: dict) -> None:
    if drill["state"] == "finished":
        _show_finished(drill)
    else:
        _show_running(drill)


@app.command()
def hint(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """The next hint (each costs points; the later ones more)."""
    emit(call(state_dir, lambda c: c.post("/api/drills/current/hint")), as_json, _show_hint)


def _show_hint(given: dict) -> None:
    console.print(f"hint {given['number']} (-{given['cost']} points): {given['hint']}",
                  highlight=False)
    console.print(f"{given['hints_left']} hint(s) left")


@app.command()
def choices(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """The causes and components an answer can name."""
    emit(call(state_dir, lambda c: c.get("/api/drills/choices")), as_json, _show_choices)


def _show_choices(found: dict) -> None:
    table = Table(title="causes")
    table.add_column("cause")
    table.add_column("meaning")
    for cause, meaning in found["causes"].items():
        table.add_row(cause, meaning)
    console.print(table)
    console.print("components: " + ", ".join(found["components"]))


@app.command()
def answer(
    component: Annotated[str, typer.Option(help="The component at fault, e.g. web-3.")],
    cause: Annotated[str, typer.Option(help="One of `gameday drill choices`.")],
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give your diagnosis. Right or wrong only; a few tries, wrong ones cost points."""
    body = {"component": component, "cause": cause}
    emit(call(state_dir, lambda c: c.post("/api/drills/current/answer", json=body)), as_json,
         _show_graded)


def _show_graded(graded: dict) -> None:
    if graded["correct"]:
        console.print("[green]right.[/] Now mitigate: the drill ends when the steady state "
                      "holds for 30 s (or `gameday drill reveal`).")
    else:
        console.print(f"[red]wrong.[/] {graded['tries_left']} tries left.")


@app.command()
def reveal(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """End the drill: what was injected, what showed it, your score, the postmortem draft."""
    drill = call(state_dir, lambda c: c.post("/api/drills/current/reveal",
                                              timeout=REVEAL_TIMEOUT_SECONDS))
    emit(drill, as_json, _show_finished)


@app.command()
def history(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """Past drills and their scores."""
    emit(call(state_dir, lambda c: c.get("/api/drills/history")), as_json, _show_history)


def _show_history(entries: list[dict]) -> None:
    table = Table(title="drills")
    for column in ("when", "id", "difficulty", "incident", "outcome", "score", "hints",
                   "diagnosed", "mitigated"):
        table.add_column(column)
    for e in entries:
        table.add_row(time.strftime("%Y-%m-%d %H:%M", time.localtime(e["started_at"])), e["id"],
                      e["difficulty"], e["incident"], e["outcome"] or "-", str(e["score"]),
                      str(e["hints"]),
                      "-" if e["diagnosed_after"] is None else f"{e['diagnosed_after']:.0f}s",
                      "-" if e["mitigated_after"] is None else f"{e['mitigated_after']:.0f}s")
    console.print(table)
