"""`gameday scenario list|show|validate|run|stop`: scripted game days with a verdict."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from chaos.cli.client import ApiError, ControllerClient, ControllerUnavailable
from chaos.cli.common import (
    JsonOption,
    StateDirOption,
    call,
    console,
    emit,
    err,
    print_json,
    resolve_state,
)
from chaos.export.cli import export
from chaos.scenarios import library
from chaos.scenarios.loader import ScenarioError, load_file
from chaos.scenarios.model import Scenario

app = typer.Typer(help="Scenarios: a steady-state hypothesis, faults on a timeline, a verdict.",
                  no_args_is_help=True)

app.command("export")(export)

EXIT_CODES = {"passed": 0, "failed": 1, "aborted": 2}
EXIT_INVALID = 2
POLL_SECONDS = 1.0
# How long past a run's planned length the CLI keeps polling (heal, report and charts).
REPORT_GRACE_SECONDS = 180.0

VERDICT_STYLE = {"passed": "bold green", "failed": "bold red", "aborted": "bold yellow"}


def _load(ref: str) -> Scenario:
    try:
        return library.load(ref)
    except ScenarioError as exc:
        err.print(f"[red]invalid scenario[/]\n{exc}", highlight=False)
        raise typer.Exit(EXIT_INVALID) from None


@app.command("list")
def list_scenarios(as_json: JsonOption = False) -> None:
    """The built-in scenarios."""
    scenarios = [library.load(name) for name in library.names()]
    emit([{"name": s.name, "title": s.title, "difficulty": s.difficulty,
           "planned_seconds": s.planned_seconds} for s in scenarios], as_json, _show_scenarios)


def _show_scenarios(scenarios: list[dict]) -> None:
    table = Table("name", "difficulty", "up to", "title", title="built-in scenarios")
    for s in scenarios:
        table.add_row(s["name"], s["difficulty"], f"{s['planned_seconds']:.0f}s", s["title"])
    console.print(table)


@app.command()
def show(ref: Annotated[str, typer.Argument(metavar="NAME|FILE")],
         as_json: JsonOption = False) -> None:
    """A scenario in full: hypothesis, steps, abort conditions, expected signals, write-up."""
    s = _load(ref)
    if as_json:
        print_json(s.model_dump(mode="json", by_alias=True))
        return
    console.print(f"[bold]{s.title}[/] ({s.name}, {s.difficulty}, up to "
                  f"{s.planned_seconds:.0f}s{f', seed {s.seed}' if s.seed is not None else ''})")
    console.print(s.description.strip(), highlight=False)
    hypothesis = Table("probe", "query", "want", "during faults", title="steady state")
    for p in s.steady_state:
        hypothesis.add_row(p.name, p.query, p.describe(),
                           "must hold" if p.must_hold_during_faults else "may break")
    console.print(hypothesis)
    steps = Table("at", "fault", "target", "params", "duration", "repeat",
                  title=f"steps (recover within {s.recover_within:g}s)")
    for st in s.steps:
        repeat = f"{st.times}x every {st.every:g}s (+{st.jitter:g}s jitter)" if st.every else "-"
        steps.add_row(f"{st.at:g}s", st.type, st.target, json.dumps(st.params) if st.params
                      else "-", f"{st.duration:g}s", repeat)
    console.print(steps)
    for a in s.abort_when:
        console.print(f"abort when [bold]{a.name}[/]: {a.query} {a.describe()} for {a.for_:g}s",
                      highlight=False)
    console.print("\n[bold]expected signals[/]")
    for signal in s.expected_signals:
        console.print(f"  - {signal}", highlight=False)
    if s.writeup:
        console.print(f"\n[bold]what happens and why[/]\n{s.writeup.strip()}", highlight=False)


@app.command("validate")
def validate_file(path: Annotated[Path, typer.Argument(metavar="FILE")]) -> None:
    """Check a scenario file; errors name the line and the field. Exits 2 when invalid."""
    try:
        s = load_file(path)
    except ScenarioError as exc:
        err.print(str(exc), highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    console.print(f"{path}: valid: {s.title!r}, {len(s.steps)} step(s), up to "
                  f"{s.planned_seconds:.0f}s")


def _request_body(ref: str, force: bool, report_dir: Path | None) -> dict:
    """A file is validated here (so errors name its lines) and sent inline: the controller
    may not see the caller's working directory."""
    body: dict = {"force": force, "source": "cli",
                  "report_dir": str(report_dir.expanduser().resolve()) if report_dir else None}
    if library.is_path(ref) or (ref not in library.names() and Path(ref).is_file()):
        scenario = _load(ref)
        body.update(scenario=yaml.safe_load(Path(ref).read_text()), name=scenario.name)
    else:
        body["scenario"] = ref
    return body


def _progress(run: dict) -> Group:
    header = Text.assemble(
        (f"{run['title']} ", "bold"), f"({run['id']})  ",
        (run["state"], "cyan"), f"  {run['elapsed']:.0f}s / ~{run['planned_seconds']:.0f}s",
    )
    probes = Table(box=None, show_header=False)
    for p in run["last_probes"]:
        value = "no data" if p["value"] is None else f"{p['value']:.4g}"
        probes.add_row("[green]ok[/]" if p["ok"] else "[red]!![/]", p["name"], value,
                       f"want {p['expected']}")
    events = Text("\n".join(f"{e['t']:6.1f}s  {e['kind']:<8} {e['message']}"
                            for e in run["events"][-8:]))
    return Group(header, probes, events)


def _finish(run: dict, as_json: bool) -> None:
    verdict = run.get("verdict") or "aborted"
    if as_json:
        print_json(run)
    else:
        console.print(Text.assemble(("verdict: ", "bold"), (verdict, VERDICT_STYLE[verdict]),
                                    f"  {run['reason']}"))
        for f in run["faults"]:
            console.print(f"  {f['label']}: detect {_secs(f['time_to_detect'])}, "
                          f"recover {_secs(f['time_to_recover'])}", highlight=False)
        console.print(f"report: {run['report_dir']}/report.md", highlight=False)
    raise typer.Exit(EXIT_CODES[verdict])


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


@app.command()
def run(
    ref: Annotated[str, typer.Argument(metavar="NAME|FILE")],
    as_json: JsonOption = False,
    report_dir: Annotated[Path | None, typer.Option("--report-dir",
                                                    help="Where to write the report.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Start even if the steady state does "
                                                        "not hold.")] = False,
    state_dir: StateDirOption = None,
) -> None:
    """Run a scenario and wait for its verdict: exit 0 passed, 1 failed, 2 aborted or invalid.

    The run lives in the controller: Ctrl-C only stops watching (`gameday scenario stop`)."""
    body = _request_body(ref, force, report_dir)
    try:
        client = ControllerClient(resolve_state(state_dir))
        started = client.post("/api/scenarios/run", json=body)
    except ControllerUnavailable as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except ApiError as exc:
        err.print(f"[red]error ({exc.status}):[/] {exc.detail}", highlight=False)
        raise typer.Exit(EXIT_INVALID if exc.status in (404, 422) else 1) from None
    deadline = time.monotonic() + started["planned_seconds"] + REPORT_GRACE_SECONDS
    current = started
    try:
        with Live(_progress(current), console=err, refresh_per_second=4,
                  transient=as_json) as live:
            while current["state"] != "finished" and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
                current = client.get(f"/api/runs/{started['id']}")
                live.update(_progress(current))
        if not err.is_terminal and not as_json:
            err.line()  # off a terminal, Live leaves its last frame without a line end
    except KeyboardInterrupt:
        err.print(f"\nstopped watching; run {started['id']} goes on in the controller "
                  "(`gameday scenario stop` stops it)")
        raise typer.Exit(130) from None
    except (ControllerUnavailable, ApiError) as exc:
        err.print(f"[red]error:[/] lost the run while polling: {exc}")
        raise typer.Exit(1) from None
    if current["state"] != "finished":
        err.print(f"[red]error:[/] run {started['id']} did not finish in time")
        raise typer.Exit(1)
    _finish(current, as_json)


@app.command()
def stop(state_dir: StateDirOption = None) -> None:
    """Stop the current run: every fault is reverted, the verdict is `aborted`."""
    record = call(state_dir, lambda c: c.post("/api/runs/stop", timeout=60))
    console.print(f"{record['id']}: {record['verdict']} ({record['reason']})")
