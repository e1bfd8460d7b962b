"""Every image carries the modules its code imports.

The images copy `services/` file by file (a service image must not carry the controller,
nor the controller every service). A new shared module under `services/` that the copied
code imports, but no COPY line names, starts fine in the local runtime and crashes in its
container (it happened: `services/heap.py`). This reads each Dockerfile's COPY lines and
every import of `services.*` in the copied Python files, statically.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILES = ["chaos/Dockerfile", "services/web/Dockerfile", "services/loadgen/Dockerfile"]


def copied(dockerfile: Path) -> set[Path]:
    """Repository files the COPY lines put into the image (sources relative to the repo)."""
    files: set[Path] = set()
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if not words or words[0].upper() != "COPY" or any(w.startswith("--from") for w in words):
            continue
        for source in words[1:-1]:
            if source.startswith("--"):
                continue
            path = REPO / source
            if path.is_dir():
                files.update(p for p in path.rglob("*.py"))
            elif path.exists():
                files.add(path)
    return files


def services_imports(source: Path) -> set[str]:
    """Dotted `services.*` modules the file imports (`from services import x` -> services.x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "services":
                found.update(f"services.{alias.name}" for alias in node.names)
            elif node.module.startswith("services."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("services."))
    return found


def provided(module: str, files: set[Path]) -> bool:
    base = REPO / Path(*module.split("."))
    return base.with_suffix(".py") in files or base / "__init__.py" in files


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_every_services_module_the_image_imports_is_copied(dockerfile: str) -> None:
    files = copied(REPO / dockerfile)
    python = [f for f in files if f.suffix == ".py" and "tests" not in f.parts]
    assert python, f"{dockerfile} copies no Python source"
    missing = sorted({(module, str(f.relative_to(REPO))) for f in python
                      for module in services_imports(f) if not provided(module, files)})
    assert missing == [], f"{dockerfile}: imported but not copied: {missing}"


def test_the_check_sees_a_missing_module(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM x\nCOPY services/__init__.py services/jsonlog.py services/\n"
                          "COPY chaos/proxy chaos/proxy\n")
    files = copied(dockerfile)
    imports = set().union(*(services_imports(f) for f in files if f.suffix == ".py"))
    assert "services.heap" in imports  # chaos/proxy/__main__.py freezes its heap
    assert not provided("services.heap", files)
    assert provided("services.jsonlog", files)
