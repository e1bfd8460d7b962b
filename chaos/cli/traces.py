"""`gameday trace ID`: one trace as a waterfall; `gameday traces [--slowest N] [--errors]
[--since 5m] [--service S]`: the stored traces (docs/observability.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from chaos.cli.common import JsonOption, StateDirOption, call, clock, console, emit
from chaos.cli.waterfall import render, rows


def _show_trace(trace: dict) -> None:
    spans = trace["spans"]
    total = max(s["start"] * 1000 + s["duration_ms"] for s in spans) - \
        min(s["start"] for s in spans) * 1000
    console.print(f"trace {trace['trace_id']}  {len(spans)} spans  {total:.1f} ms  "
                  f"started {clock(min(s['start'] for s in spans))}")
    for line, row in zip(render(spans), rows(spans), strict=True):
        console.print(f"[red]{escape(line)}[/]" if row.error else escape(line))


def trace(
    trace_id: Annotated[str, typer.Argument(help="The trace id (a response's X-Trace-Id).")],
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """One trace as a waterfall: each span under its parent, its offset, duration and bar."""
    found = call(state_dir, lambda c: c.get(f"/api/traces/{trace_id}"))
    emit(found, as_json, _show_trace)


def _show_list(found: list[dict]) -> None:
    if not found:
        console.print("no traces")
        return
    table = Table("started", "duration", "spans", "root", "error", "trace id")
    for t in found:
        table.add_row(clock(t["start"]), f"{t['duration_ms']:.1f} ms", str(t["span_count"]),
                      escape(f"{t['root_service']}: {t['root_name']}"),
                      "[red]error[/]" if t["error"] else "", t["trace_id"])
    console.print(table)


def traces(
    slowest: Annotated[int | None, typer.Option(
        "--slowest", help="The N longest traces, longest first.", min=1, max=1000)] = None,
    errors: Annotated[bool, typer.Option("--errors", help="Only traces with an error span.")
                      ] = False,
    since: Annotated[str | None, typer.Option(
        "--since", help="Started within this long: 90s, 5m, 2h.")] = None,
    service: Annotated[str | None, typer.Option(
        "--service", help="Only traces with a span of this component, e.g. web-2.")] = None,
    min_duration: Annotated[str | None, typer.Option(
        "--min-duration", help="At least this long: 250ms, 1s.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (newest first).",
                                       min=1, max=1000)] = 20,
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """The stored traces, newest first (or the slowest first with --slowest N)."""
    params: dict[str, str] = {"limit": str(slowest or limit)}
    if slowest:
        params["order"] = "slowest"
    if errors:
        params["error"] = "true"
    for name, value in (("since", since), ("service", service), ("min_duration", min_duration)):
        if value:
            params[name] = value
    found = call(state_dir, lambda c: c.get("/api/traces", params=params))
    emit(found, as_json, _show_list)
