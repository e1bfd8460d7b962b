"""`gameday pager [-f]`, `gameday pager ack ID`, `gameday silence add|list|rm`."""

from __future__ import annotations

from typing import Annotated

import httpx
import typer
from rich.table import Table

from chaos.cli.common import (
    JsonOption,
    StateDirOption,
    call,
    clock,
    console,
    emit,
    err,
    follow_changes,
)
from chaos.durations import parse_duration
from chaos.pager.silences import SilenceError, Silences, render_matcher

app = typer.Typer(help="Pages: what woke you up, and acknowledging them.",
                  invoke_without_command=True)
silence_app = typer.Typer(help="Silences, through Alertmanager's own API.",
                          no_args_is_help=True)


def _line(page: dict) -> str:
    state = "[red]FIRING[/]" if page["status"] == "firing" else "[green]resolved[/]"
    acked = f", acked {clock(page['acked_at'])}" if page["acked_at"] else ", [bold]not acked[/]"
    if page["status"] != "firing":
        acked = ""
    return f"{clock(page['opened_at'])} {page['id']} {state}{acked}: {page['title']}"


def _show(pages: list[dict]) -> None:
    if not pages:
        console.print("no pages")
        return
    table = Table("id", "status", "opened", "acked", "resolved", "title", "runbook",
                  title="pages (newest first)")
    for p in pages:
        runbooks = sorted({a["runbook_url"] for a in p["alerts"] if a["runbook_url"]})
        table.add_row(p["id"], p["status"], clock(p["opened_at"]), clock(p["acked_at"]),
                      clock(p["resolved_at"]), p["title"], ", ".join(runbooks))
    console.print(table)


@app.callback()
def pager(
    ctx: typer.Context,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing pages as "
                                         "they open, change and resolve.")] = False,
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open and recent pages."""
    if ctx.invoked_subcommand is not None:
        return

    def pages() -> list[dict]:
        return call(state_dir, lambda c: c.get("/api/pages"))

    if not follow:
        emit(pages(), as_json, _show)
        return
    # Oldest first; a page again whenever it is acked, notified again or resolved.
    follow_changes(lambda: pages()[::-1], _line, lambda p: p["id"],
                   lambda p: (p["status"], p["acked_at"], p["notifications"]))


@app.command()
def ack(page_id: Annotated[str, typer.Argument(metavar="ID")], state_dir: StateDirOption = None,
        as_json: JsonOption = False) -> None:
    """Acknowledge a page: you are on it."""
    page = call(state_dir, lambda c: c.post(f"/api/pages/{page_id}/ack"))
    emit(page, as_json, lambda p: console.print(f"acknowledged {p['id']}: {p['title']}"))


def _silences(state_dir) -> Silences:
    endpoints = call(state_dir, lambda c: c.get("/api/status"))["endpoints"]
    if "alertmanager" not in endpoints:
        err.print("[red]error:[/] this stack runs no Alertmanager")
        raise typer.Exit(1)
    return Silences(httpx.Client(), endpoints["alertmanager"])


def _run(action):
    try:
        return action()
    except SilenceError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None


@silence_app.command("add")
def add(
    matchers: Annotated[list[str], typer.Argument(metavar="MATCHERS...",
                                                  help="e.g. alertname=HighErrorRatio job=web")],
    duration: Annotated[str, typer.Option("--duration", "-d", help="How long.")] = "30m",
    comment: Annotated[str, typer.Option(help="Why.")] = "silenced with gameday",
    created_by: Annotated[str, typer.Option("--by", help="Who.")] = "gameday",
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Silence the alerts matching every matcher, for a while."""
    try:
        seconds = parse_duration(duration)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--duration") from None
    silences = _silences(state_dir)
    silence_id = _run(lambda: silences.add(matchers, seconds, comment, created_by))
    emit({"id": silence_id}, as_json, lambda s: console.print(f"silence {s['id']} added"))


@silence_app.command("list")
def list_silences(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """Active and pending silences."""
    silences = _silences(state_dir)
    found = _run(silences.listing)

    def show(items: list[dict]) -> None:
        table = Table("id", "state", "matchers", "ends", "by", "comment", title="silences")
        for s in items:
            table.add_row(s["id"], s["status"]["state"],
                          " ".join(render_matcher(m) for m in s["matchers"]), s["endsAt"],
                          s["createdBy"], s["comment"])
        console.print(table)

    emit(found, as_json, show)


@silence_app.command("rm")
def remove(silence_id: Annotated[str, typer.Argument(metavar="ID")],
           state_dir: StateDirOption = None) -> None:
    """Expire a silence now."""
    silences = _silences(state_dir)
    _run(lambda: silences.remove(silence_id))
    console.print(f"silence {silence_id} expired")
