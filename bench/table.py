"""One table for every figure of a run: figure, result, baseline and ratio, goal."""

from __future__ import annotations

import math
from typing import Any


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def result_text(figure: dict[str, Any]) -> str:
    text = f"{_number(figure['value'])} {figure['unit']}"
    detail = figure.get("detail") or {}
    if "p99_ms" in detail and figure["unit"] == "req/s":
        text += f", p50 {_number(detail['p50_ms'])} ms, p99 {_number(detail['p99_ms'])} ms"
    if "p50" in detail and figure["unit"] == "s":
        text += f" (p50 {_number(detail['p50'])} s, n={detail['n']})"
    if "cpu_us_per_call" in detail:
        text += f", {_number(detail['cpu_us_per_call'])} us CPU a call"
    if detail.get("errors"):
        text += f", {detail['errors']} errors"
    if "note" in detail:
        text = detail["note"]
    if "error" in detail:
        text = f"failed: {' '.join(str(detail['error']).split())[:160]}"
    return text


def ratio_text(figure: dict[str, Any], by_name: dict[str, dict[str, Any]]) -> str:
    base = by_name.get(figure.get("baseline") or "")
    if base is None:
        return ""
    detail = figure.get("detail") or {}
    if "rounds_baseline_rps" in detail:  # measured beside its baseline: the paired costs
        return (f"cost {detail['throughput_cost_percent']:+.1f}% req/s, "
                f"{detail['cpu_cost_percent']:+.1f}% CPU a call, run beside the baseline")
    try:
        ratio = figure["value"] / base["value"]
    except (TypeError, ZeroDivisionError):
        return ""
    if math.isnan(ratio):
        return ""
    return f"{ratio * 100:.0f}% of {base['name']}"


def rows(figures: list[dict[str, Any]]) -> list[tuple[str, str, str, str, str]]:
    by_name = {f["name"]: f for f in figures}
    return [
        (f["group"], f["name"], result_text(f), ratio_text(f, by_name), f.get("goal", ""))
        for f in figures
    ]


HEADER = ("group", "figure", "result", "vs baseline", "goal")


def _clip(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def render_text(figures: list[dict[str, Any]]) -> str:
    table = [HEADER, *(tuple(_clip(cell) for cell in row) for row in rows(figures))]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(table):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(figures: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    for row in rows(figures):
        cells = (" ".join(cell.split()).replace("|", "\\|") for cell in row)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
