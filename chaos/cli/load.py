"""`gameday load show` and `gameday load set --rate R | --users N`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from chaos.cli.common import JsonOption, StateDirOption, call, console, err

app = typer.Typer(help="Read and change the load generator's traffic.", no_args_is_help=True)


def _print(load: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(load, indent=2))
        return
    console.print(
        f"rate {load.get('rate', 0):g} req/s, {load.get('users', 0)} users "
        f"({load.get('running_users', load.get('users', 0))} running), state {load.get('state')}"
    )


@app.command("show")
def show(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """Show the target rate, users and state."""
    _print(call(state_dir, lambda c: c.get("/api/load")), as_json)


@app.command("set")
def set_load(
    rate: Annotated[
        float | None, typer.Option("--rate", min=0, help="Requests per second.")
    ] = None,
    users: Annotated[int | None, typer.Option("--users", min=0, help="Locust users.")] = None,
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change the load live: a fixed request rate (open loop) or a number of users."""
    if (rate is None) == (users is None):
        err.print("[red]error:[/] give exactly one of --rate or --users")
        raise typer.Exit(2)
    body = {"rate": rate} if rate is not None else {"users": users}
    _print(call(state_dir, lambda c: c.post("/api/load", json=body)), as_json)


@app.command("consistency")
def consistency(
    sweep: Annotated[
        bool, typer.Option("--sweep", help="Re-read every acknowledged write.")
    ] = False,
    state_dir: StateDirOption = None,
) -> None:
    """What the consistency checker found: lost writes, stale reads, revision regressions."""
    path = "/api/consistency?sweep=true" if sweep else "/api/consistency"
    print(json.dumps(call(state_dir, lambda c: c.get(path)), indent=2))
