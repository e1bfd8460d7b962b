"""The import graph of `chaos/` follows its layers (docs/architecture.md, "Layers"): no package
imports a higher layer, and no two packages import each other (even through others)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "chaos"

# Lowest first. A unit is a package of chaos/ or a top-level module; it may import its own
# layer and those below. Keep in step with docs/architecture.md.
LAYERS: list[set[str]] = [
    {"durations", "settings", "state", "journal", "links", "targets", "etcd_admin", "cluster",
     "refusal", "bounded_sqlite",
     "token_init", "traces", "logs"},
    {"stack", "netfaults", "proxy", "health"},
    {"runtime", "controls", "status_view", "pager"},
    {"faults"},
    {"scenarios", "remediation"},
    {"drills", "schedules", "events"},
    {"api", "console"},
    {"controller", "cli", "export", "ctk"},
    {"testing"},
]
LAYER_OF = {unit: i for i, units in enumerate(LAYERS) for unit in units}


def unit_of(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).with_suffix("").parts[0]


def imported_units(path: Path) -> set[str]:
    """The chaos units a module imports, at the top or inside functions (absolute imports only:
    the package has no relative ones)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] if node.module != "chaos" else \
                [f"chaos.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {n.split(".")[1] for n in names if n.startswith("chaos.")}
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in root.rglob("*.py"):
        unit = unit_of(path, root)
        if unit != "__init__":
            edges[unit] |= imported_units(path) - {unit}
    return edges


def upward_imports(edges: dict[str, set[str]], layer_of: dict[str, int]) -> list[str]:
    return sorted(
        f"{unit} (layer {layer_of[unit]}) imports {target} (layer {layer_of[target]})"
        for unit, targets in edges.items() for target in targets
        if layer_of.get(target, -1) > layer_of.get(unit, -1))


def cycles(edges: dict[str, set[str]]) -> list[str]:
    found = []
    for start in sorted(edges):
        seen, stack = set(), [(start, [start])]
        while stack:
            unit, path = stack.pop()
            for target in sorted(edges.get(unit, ())):
                if target == start:
                    found.append(" -> ".join([*path, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    return sorted(set(found))


def test_every_unit_has_a_layer():
    units = {unit_of(p) for p in ROOT.rglob("*.py")} - {"__init__"}
    assert units <= set(LAYER_OF), f"add to LAYERS: {sorted(units - set(LAYER_OF))}"


def test_no_unit_imports_a_higher_layer():
    assert not (found := upward_imports(graph(), LAYER_OF)), "\n".join(found)


def test_no_import_cycle_between_units():
    assert not (found := cycles(graph())), "\n".join(found)


def test_the_walk_sees_an_upward_import_and_a_cycle_hidden_in_a_function(tmp_path):
    (tmp_path / "low").mkdir()
    (tmp_path / "low" / "a.py").write_text("def f():\n    from chaos.high.b import g\n")
    (tmp_path / "high").mkdir()
    (tmp_path / "high" / "b.py").write_text("import chaos.low.a\n")
    (tmp_path / "solo.py").write_text("from chaos import low\n")
    edges = graph(tmp_path)
    assert edges == {"low": {"high"}, "high": {"low"}, "solo": {"low"}}
    assert upward_imports(edges, {"low": 0, "high": 1, "solo": 2}) == [
        "low (layer 0) imports high (layer 1)"]
    assert cycles(edges) == ["high -> low -> high", "low -> high -> low"]
