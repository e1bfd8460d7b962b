"""`gameday scenario export NAME --format chaostoolkit|chaos-mesh [-o FILE]` (docs/interop.md).

Registered on the scenario command group by chaos/cli/scenario.py.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console

from chaos.scenarios import library
from chaos.scenarios.loader import ScenarioError

EXIT_INVALID = 2
# Its own stderr console: the cli package imports this module, not the other way round.
err = Console(stderr=True)


class Format(StrEnum):
    chaostoolkit = "chaostoolkit"
    chaos_mesh = "chaos-mesh"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text)
        err.print(f"wrote {output}", highlight=False)


def _dump_ctk(document: dict, output: Path | None) -> str:
    if output is not None and output.suffix in (".yaml", ".yml"):
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def export(
    ref: Annotated[str | None, typer.Argument(metavar="NAME|FILE",
                                              help="A built-in scenario or a scenario file.")
                   ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Target format.")] = (
        Format.chaostoolkit),
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="Write here (default: stdout); .yaml or "
                                                ".json picks the Chaos Toolkit encoding.")
                      ] = None,
    time_scale: Annotated[float, typer.Option(
        "--time-scale", min=0.001, max=1.0,
        help="Shrink offsets and fault durations (not recover_within), e.g. 0.5.")] = 1.0,
    monkey: Annotated[Path | None, typer.Option(
        "--monkey", help="Export monkey mode instead: a YAML file with the monkey's settings "
        "(every, faults, targets, ...); chaos-mesh only, as a Schedule per fault type.")] = None,
    namespace: Annotated[str, typer.Option("--namespace", help="Chaos Mesh: the namespace "
                                           "of the gameday deployment.")] = "gameday",
) -> None:
    """Write a scenario as a Chaos Toolkit experiment or a Chaos Mesh Workflow."""
    if monkey is not None:
        _export_monkey(monkey, fmt, output, namespace)
        return
    if ref is None:
        err.print("[red]error:[/] give a scenario NAME or FILE (or --monkey FILE)")
        raise typer.Exit(EXIT_INVALID)
    try:
        scenario = library.load(ref)
    except ScenarioError as exc:
        err.print(f"[red]invalid scenario[/]\n{exc}", highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    if fmt is Format.chaostoolkit:
        from chaos.export.chaostoolkit import to_chaostoolkit

        _write(_dump_ctk(to_chaostoolkit(scenario, time_scale), output), output)
        return
    from chaos.export.chaosmesh import to_workflow

    documents, skipped = to_workflow(scenario, namespace=namespace, time_scale=time_scale)
    _report_skipped(skipped)
    _write(_dump_mesh(documents, skipped), output)


def _line(item: dict) -> tuple[str, str]:
    """("NOT EXPORTED" or "APPROXIMATED", "what: why") for one listed item."""
    label, _, why = item["why"].partition(": ")
    if label not in ("not exported", "approximated"):
        label, why = "not exported", item["why"]
    return label.upper(), f"{item['what']}: {why}"


def _report_skipped(skipped: list[dict]) -> None:
    for item in skipped:
        label, text = _line(item)
        err.print(f"[yellow]{label.lower()}:[/] {text}", highlight=False)


def _dump_mesh(documents: list[dict], skipped: list[dict]) -> str:
    header = "".join("# {}: {}\n".format(*_line(s)) for s in skipped)
    return header + yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True)


def _export_monkey(path: Path, fmt: Format, output: Path | None, namespace: str) -> None:
    if fmt is not Format.chaos_mesh:
        err.print("[red]error:[/] --monkey exports to --format chaos-mesh only (Chaos Toolkit "
                  "has no schedules; run `chaos run` from cron instead)")
        raise typer.Exit(EXIT_INVALID)
    from pydantic import ValidationError

    from chaos.export.chaosmesh import monkey_schedules
    from chaos.schedules.monkey_config import MonkeyConfig

    try:
        config = MonkeyConfig.model_validate(yaml.safe_load(path.read_text()) or {})
    except (OSError, yaml.YAMLError) as exc:
        err.print(f"[red]error:[/] {path}: {exc}")
        raise typer.Exit(EXIT_INVALID) from None
    except ValidationError as exc:
        for e in exc.errors():
            err.print(f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}", highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    documents, skipped = monkey_schedules(config, namespace=namespace)
    _report_skipped(skipped)
    _write(_dump_mesh(documents, skipped), output)
