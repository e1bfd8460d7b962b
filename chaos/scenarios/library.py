"""The built-in scenarios (YAML files in chaos/scenarios/library/) and lookup by name or path."""

from __future__ import annotations

from pathlib import Path

from chaos.scenarios.loader import Problem, ScenarioError, load_file
from chaos.scenarios.model import Scenario

LIBRARY_DIR = Path(__file__).with_name("library")


def names() -> list[str]:
    return sorted(p.stem for p in LIBRARY_DIR.glob("*.yaml"))


def is_path(ref: str) -> bool:
    """A ref with a slash or a YAML suffix is a file; anything else is a built-in name."""
    return "/" in ref or ref.endswith((".yaml", ".yml"))


def load(ref: str) -> Scenario:
    """A built-in scenario by name, or a scenario file by path; ScenarioError otherwise."""
    if is_path(ref):
        return load_file(Path(ref))
    if ref in names():
        return load_file(LIBRARY_DIR / f"{ref}.yaml")
    if Path(ref).is_file():
        return load_file(Path(ref))
    raise ScenarioError(ref, [Problem(None, "", f"no built-in scenario {ref!r}; built-in: "
                                                f"{', '.join(names())}")])
