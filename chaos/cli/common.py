"""What every CLI command shares: finding the controller and reporting its errors."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from chaos.cli.client import ApiError, ControllerClient, ControllerUnavailable
from chaos.settings import Settings
from chaos.state import StateDir

FOLLOW_SECONDS = 1.0

# Piped output (CI logs, `| less`) gets a wide table instead of rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

StateDirOption = Annotated[
    Path | None,
    typer.Option(
        "--state-dir", envvar="GAMEDAY_STATE_DIR", help="Where the stack keeps its state."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def resolve_state(state_dir: Path | None) -> StateDir:
    return StateDir(state_dir or Settings().state_dir)


def print_json(data: Any) -> None:
    """`--json` output: the API's answer as it is, for scripts."""
    print(json.dumps(data, indent=2))


def emit(data: Any, as_json: bool, show: Callable[[Any], object]) -> None:
    """Print `data` for scripts (--json) or render it for people with `show`."""
    if as_json:
        print_json(data)
    else:
        show(data)


def exactly_one(**options: object) -> None:
    """Exit 2 (a usage error) unless exactly one of these options is given."""
    if sum(value is not None for value in options.values()) != 1:
        err.print(f"[red]error:[/] give exactly one of {' or '.join(f'--{n}' for n in options)}")
        raise typer.Exit(2)


def call(state_dir: Path | None, action: Callable[[ControllerClient], Any]) -> Any:
    """Run one controller call; print a clear error and exit non-zero when it fails."""
    try:
        return action(ControllerClient(resolve_state(state_dir)))
    except ControllerUnavailable as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except ApiError as exc:
        err.print(f"[red]error ({exc.status}):[/] {exc.detail}")
        raise typer.Exit(1) from None


def clock(epoch: float | None) -> str:
    """A time of day as the CLI prints it (HH:MM:SS, local time); "-" for none."""
    return time.strftime("%H:%M:%S", time.localtime(epoch)) if epoch else "-"


def follow_changes(
    fetch: Callable[[], list[dict]],
    line: Callable[[dict], str],
    identity: Callable[[dict], Hashable],
    state: Callable[[dict], Hashable] = lambda item: None,
) -> None:
    """`--follow`: every FOLLOW_SECONDS until Ctrl-C, print `line(item)` for each item that
    `fetch()` answers and that is new (by `identity`) or whose `state` changed."""
    seen: dict[Hashable, Hashable] = {}
    try:
        while True:
            for item in fetch():
                who, now = identity(item), state(item)
                if who not in seen or seen[who] != now:
                    seen[who] = now
                    console.print(line(item), highlight=False)
            time.sleep(FOLLOW_SECONDS)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
