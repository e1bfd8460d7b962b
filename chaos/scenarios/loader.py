"""Read a scenario file: YAML in, a validated Scenario out, or errors that name LINE and field.

pydantic reports where a value is wrong as a path (`steps.1.duration`); YAML knows where each
value was written. Composing the YAML into nodes first (which keep their line) lets every error
point at the line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from chaos.refusal import Refusal
from chaos.scenarios.model import ParamsError, Scenario

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    line: int | None  # 1-based; None when the error has no place in the file
    field: str  # e.g. steps[1].params.ms; "" for the file as a whole
    message: str

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.field}: {self.message}" if self.field \
            else f"{where}: {self.message}"


class ScenarioError(Refusal):
    """A scenario file that cannot be used; `problems` says where and why (a 422, or a 404 for
    a built-in that does not exist)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        unknown = len(problems) == 1 and problems[0].message.startswith("no built-in")
        super().__init__(404 if unknown else 422,
                         "\n".join(p.render(source) for p in problems), self.as_errors())

    def as_errors(self) -> list[dict]:
        return [{"line": p.line, "field": p.field, "message": p.message} for p in self.problems]


def field_path(loc: tuple | list) -> str:
    """('steps', 1, 'params', 'ms') -> 'steps[1].params.ms'"""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_of(node: yaml.Node | None, loc: tuple | list) -> int | None:
    """The line of the deepest node the path reaches (a missing key points at its parent)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
            if child is None:  # the key itself, e.g. an unknown field, has a line of its own
                key = next((k for k, _ in node.value if k.value == str(part)), None)
                return key.start_mark.line + 1 if key is not None else line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            return line
        node, line = child, child.start_mark.line + 1
    return line


def _duplicate_keys(node: yaml.Node, path: tuple = ()) -> list[tuple[tuple, int]]:
    """YAML silently keeps the last of two equal keys; in a scenario that hides a mistake."""
    found = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                found.append(((*path, key.value), key.start_mark.line + 1))
            seen.add(key.value)
            found += _duplicate_keys(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found += _duplicate_keys(item, (*path, index))
    return found


def _problems(error: ValidationError, root: yaml.Node | None) -> list[Problem]:
    problems = []
    for e in error.errors():
        loc = tuple(e["loc"])
        cause = (e.get("ctx") or {}).get("error")
        if isinstance(cause, ParamsError):
            # A fault param: report each bad param at its own line, as params.<field>.
            for sub in cause.errors:
                sub_loc = (*loc, "params", *sub["loc"])
                problems.append(Problem(_line_of(root, sub_loc), field_path(sub_loc), sub["msg"]))
            continue
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see docs/scenarios.md)"
        problems.append(Problem(_line_of(root, loc), field_path(loc), message))
    return problems


def read_yaml(text: str, source: str, what: str = "a scenario") -> tuple[dict, yaml.Node]:
    """YAML text as data plus its node tree (for lines); errors name the line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [Problem(line, "", f"not valid YAML: {reason}")]) from None
    if root is None:
        raise ScenarioError(source, [Problem(None, "", "the file is empty")])
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem(root.start_mark.line + 1, "",
                                             f"{what} must be a mapping (title:, ...)")])
    duplicates = _duplicate_keys(root)
    if duplicates:
        raise ScenarioError(source, [Problem(line, field_path(path), "key given twice")
                                     for path, line in duplicates])
    return data, root


def validate_model(model: type[T], data: dict, source: str, name: str,
                   root: yaml.Node | None = None) -> T:
    """Validate `data` as `model`, naming each bad field and its line; the name comes from the
    file name, so a `name:` key is refused."""
    if "name" in data:
        raise ScenarioError(source, [Problem(_line_of(root, ("name",)), "name",
                                             "the name comes from the file name; remove it")])
    try:
        validated = model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, _problems(exc, root)) from None
    validated.name = name
    return validated


def parse(text: str, source: str = "<scenario>", name: str = "") -> Scenario:
    """Validate scenario YAML text; `source` is how errors name it (usually the file path)."""
    data, root = read_yaml(text, source)
    return validate(data, source, name, root)


def validate(data: Any, source: str = "<scenario>", name: str = "",
             root: yaml.Node | None = None) -> Scenario:
    """Validate an already-parsed scenario (e.g. inline JSON from the API)."""
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem(None, "", "a scenario must be a mapping")])
    return validate_model(Scenario, data, source, name, root)


def load_file(path: Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ScenarioError(str(path), [Problem(None, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [Problem(None, "", f"cannot read: {exc}")]) from None
    return parse(text, str(path), name=path.stem)
