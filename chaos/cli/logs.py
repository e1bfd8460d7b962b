"""`gameday logs [NAME...] [--grep TEXT] [--level warning] [--since 10m] [--trace ID] [-f]
[--json]`: every component's lines from the controller's central log store, interleaved by
time (docs/observability.md, "Central logs"). While a drill runs the store withholds what
would give its fault away, so this reads it through the API, not the files.

`gameday logs NAME` (with -n and -f) reads the same store, so a drill hides the same lines
in both runtimes. Only when the controller does not answer (a stack that failed to start) is
the component's own log read directly: its file in the local runtime, the container's log
(`docker compose logs`) under Compose.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Annotated

import typer
from rich.markup import escape

from chaos.cli.client import ApiError, ControllerClient, ControllerUnavailable
from chaos.cli.common import StateDirOption, console, err, print_json, resolve_state
from chaos.runtime import compose_cli
from chaos.state import StateDir

FOLLOW_SECONDS = 1.0
_COLOURS = {"warning": "yellow", "error": "red", "critical": "bold red", "debug": "dim"}


def line_of(entry: dict) -> str:
    """One entry as people read it: local time with milliseconds, component, level, message
    (and the trace id when it has one)."""
    stamp = time.strftime("%H:%M:%S", time.localtime(entry["time"]))
    millis = int((entry["time"] % 1) * 1000)
    level = (entry["level"] or "-").upper()
    trace = f"  trace={entry['trace_id']}" if entry["trace_id"] else ""
    return f"{stamp}.{millis:03d} {entry['component']:<12} {level:<8} {entry['message']}{trace}"


def _show(entry: dict) -> None:
    colour = _COLOURS.get(entry["level"] or "")
    text = escape(line_of(entry))
    console.print(f"[{colour}]{text}[/]" if colour else text, soft_wrap=True, highlight=False)


def _tail_file(state: StateDir, name: str, lines: int, follow: bool) -> None:
    """The component's own file, as `gameday logs NAME` always read it."""
    path = state.log_file(name)
    if not path.exists():
        known = sorted(p.stem for p in state.logs.glob("*.log"))
        err.print(f"[red]error:[/] no log for {name!r}; known: {', '.join(known) or 'none'}")
        raise typer.Exit(1)
    print("\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
    if not follow:
        return
    with open(path, errors="replace") as handle:
        handle.seek(0, os.SEEK_END)
        try:
            while True:
                chunk = handle.read()
                if chunk:
                    sys.stdout.write(chunk)
                    sys.stdout.flush()
                else:
                    time.sleep(0.25)
        except KeyboardInterrupt:
            return


def logs(
    names: Annotated[list[str] | None, typer.Argument(
        help="Components, e.g. web-1 store-2 lb (all when none).", show_default=False)] = None,
    grep: Annotated[str | None, typer.Option(
        "--grep", help="Full text: lines with these words, in this order (or a trace id).")
    ] = None,
    level: Annotated[str | None, typer.Option(
        "--level", help="At least: debug, info, warning, error, critical.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Within this long: 90s, 10m.")
                     ] = None,
    trace: Annotated[str | None, typer.Option("--trace", help="Lines of this trace id.")
                     ] = None,
    follow: Annotated[bool, typer.Option("-f", "--follow", help="Keep printing new lines.")
                      ] = False,
    lines: Annotated[int, typer.Option("-n", "--lines", min=1, max=5000,
                                       help="The last N matching lines.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="The API's entries, one JSON list "
                                          "(with -f: one JSON object a line).")] = False,
    state_dir: StateDirOption = None,
) -> None:
    """Every component's log lines, interleaved by time, searched and filtered."""
    state = resolve_state(state_dir)
    names = names or []
    plain = len(names) == 1 and not (grep or level or since or trace or as_json)
    params: dict[str, object] = {"limit": str(lines), "component": names}
    for key, value in (("grep", grep), ("level", level), ("since", since), ("trace_id", trace)):
        if value:
            params[key] = value
    try:
        client = ControllerClient(state, timeout=10.0)
        found = client.get("/api/logs", params=params)
    except ControllerUnavailable as exc:
        if plain and compose_cli.is_compose_stack(state):
            raise typer.Exit(compose_cli.compose_logs(state, names[0], follow=follow,
                                                      lines=lines)) from None
        if plain and state.logs.is_dir():
            _tail_file(state, names[0], lines, follow)
            return
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except ApiError as exc:
        err.print(f"[red]error ({exc.status}):[/] {exc.detail}")
        raise typer.Exit(1) from None
    if as_json and not follow:
        print_json(found)
        return
    _print(found, as_json)
    if follow:
        _follow(client, params, found, as_json)


def _print(entries: list[dict], as_json: bool) -> None:
    for entry in entries:
        if as_json:
            print_json_line(entry)
        else:
            _show(entry)


def print_json_line(entry: dict) -> None:
    print(json.dumps(entry), flush=True)


def _follow(client: ControllerClient, params: dict, seen: list[dict], as_json: bool) -> None:
    after = max((e["id"] for e in seen), default=None)
    if after is None:
        newest = client.get("/api/logs", params={"limit": "1"})
        after = newest[-1]["id"] if newest else 0
    params = {k: v for k, v in params.items() if k != "since"} | {"limit": "5000"}
    try:
        while True:
            time.sleep(FOLLOW_SECONDS)
            try:
                found = client.get("/api/logs", params={**params, "after": str(after)})
            except (ControllerUnavailable, ApiError) as exc:
                err.print(f"[yellow]waiting for the controller:[/] {exc}")
                continue
            _print(found, as_json)
            after = max((e["id"] for e in found), default=after)
    except KeyboardInterrupt:
        return
