"""`gameday load show` and `gameday load set --rate R | --users N`."""

from __future__ import annotations

from typing import Annotated

import typer

from chaos.cli.common import (
    JsonOption,
    StateDirOption,
    call,
    console,
    emit,
    exactly_one,
    print_json,
)

app = typer.Typer(help="Read and change the load generator's traffic.", no_args_is_help=True)


def _describe(load: dict) -> None:
    console.print(
        f"rate {load.get('rate', 0):g} req/s, {load.get('users', 0)} users "
        f"({load.get('running_users', load.get('users', 0))} running), state {load.get('state')}"
    )


@app.command("show")
def show(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """Show the target rate, users and state."""
    emit(call(state_dir, lambda c: c.get("/api/load")), as_json, _describe)


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
    exactly_one(rate=rate, users=users)
    body = {"rate": rate} if rate is not None else {"users": users}
    emit(call(state_dir, lambda c: c.post("/api/load", json=body)), as_json, _describe)


@app.command("consistency")
def consistency(
    sweep: Annotated[
        bool, typer.Option("--sweep", help="Re-read every acknowledged write.")
    ] = False,
    state_dir: StateDirOption = None,
) -> None:
    """What the consistency checker found: lost writes, stale reads, revision regressions."""
    if sweep:  # a sweep does work: a POST, with the token
        print_json(call(state_dir, lambda c: c.post("/api/consistency/sweep")))
    else:
        print_json(call(state_dir, lambda c: c.get("/api/consistency")))
