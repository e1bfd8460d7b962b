"""The moves an SRE makes: `scale`, `drain`, `ready`, `rollback`, `restart`, `store ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chaos.cli.common import JsonOption, StateDirOption, call, console, emit

store_app = typer.Typer(
    help="Store (etcd) operations: move-leader, defrag, disarm.", no_args_is_help=True
)


def _describe(result: dict) -> None:
    details = ", ".join(f"{k}={v}" for k, v in result.items() if k not in ("ts", "action"))
    console.print(f"{result.get('action', 'done')}: {details}")


def _move(state_dir: Path | None, as_json: bool, path: str, **kwargs: Any) -> None:
    """POST one move to the controller and print what it did."""
    emit(call(state_dir, lambda c: c.post(path, **kwargs)), as_json, _describe)


def scale(
    spec: Annotated[str, typer.Argument(metavar="ROLE=N", help="e.g. web=5")],
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add or remove web instances (HAProxy picks them up without a reload)."""
    role, sep, count = spec.partition("=")
    if not sep or not (count.isascii() and count.isdigit()):
        raise typer.BadParameter(f"{spec!r} is not ROLE=N, e.g. web=5", param_hint="ROLE=N")
    body = {"role": role, "count": int(count)}
    _move(state_dir, as_json, "/api/scale", json=body)


def _component_action(action: str):
    def command(
        name: Annotated[str, typer.Argument(help="Component name, e.g. web-2")],
        state_dir: StateDirOption = None,
        as_json: JsonOption = False,
    ) -> None:
        _move(state_dir, as_json, f"/api/components/{name}/{action}")

    return command


drain = _component_action("drain")
drain.__doc__ = "Take a web instance out of rotation once its in-flight requests finish."
ready = _component_action("ready")
ready.__doc__ = "Put a drained web instance back into rotation."
rollback = _component_action("rollback")
rollback.__doc__ = "Roll a web instance back to the last good release (undo a bad deploy)."
restart = _component_action("restart")
restart.__doc__ = "Gracefully restart a component."


@store_app.command("move-leader")
def move_leader(
    to: Annotated[str, typer.Argument(help="The member that should lead, e.g. store-2")],
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hand Raft leadership to another member."""
    _move(state_dir, as_json, "/api/store/move-leader", json={"to": to})


@store_app.command("defrag")
def defrag(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """Compact and defragment every member, freeing space after NOSPACE."""
    _move(state_dir, as_json, "/api/store/defrag")


@store_app.command("disarm")
def disarm(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """Clear the NOSPACE alarm so the store accepts writes again."""
    _move(state_dir, as_json, "/api/store/disarm")
