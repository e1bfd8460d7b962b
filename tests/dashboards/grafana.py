"""Read the provisioned Grafana dashboards the way Grafana does, without Grafana.

Grafana cannot run here, so the tests check the dashboards by walking their JSON, pulling out
every PromQL expression (panel targets, panels nested in collapsed rows, annotation queries,
templating queries) and interpolating template variables the way Grafana's template service
does before it sends a query to Prometheus.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = ROOT / "dashboards"
GRAFANA_DIR = ROOT / "compose" / "grafana"
DATASOURCE_UID = "gameday-prometheus"
DASHBOARD_UIDS = {
    "overview.json": "gameday-overview",
    "store.json": "gameday-store",
    "lb.json": "gameday-lb",
    "chaos.json": "gameday-chaos",
}

# What Grafana substitutes for its built-in variables. $__rate_interval is
# max($__interval + scrape interval, 4 x scrape interval); the datasource declares a 1 s
# scrape interval (timeInterval), so at the default 15 min range Grafana sends 4s. The live
# test runs every expression with both the narrowest window Grafana can produce (4s) and a
# typical one (15s, the window of the recording rules).
BUILTINS_NARROW = {"__rate_interval": "4s", "__interval": "1s", "__interval_ms": "1000",
                   "__range": "15m", "__range_s": "900", "__range_ms": "900000"}
BUILTINS_WIDE = {**BUILTINS_NARROW, "__rate_interval": "15s"}

# Same matcher as Grafana's templateSrv: $var, [[var]] and ${var} / ${var:format}.
VARIABLE_RE = re.compile(
    r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}"
)


@dataclass(frozen=True)
class Query:
    dashboard: str  # file name
    where: str  # human-readable location, e.g. 'panel "Client error ratio" target A'
    kind: str  # "panel", "annotation" or "variable"
    expr: str
    panel_title: str | None = None
    ref_id: str | None = None
    legend: str | None = None


def load_dashboards() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted(DASHBOARD_DIR.glob("*.json"))}


def iter_panels(dashboard: dict) -> Iterator[dict]:
    """Every panel, including the panels nested in (collapsed) rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def variables(dashboard: dict) -> list[dict]:
    return dashboard.get("templating", {}).get("list", [])


def variable_query(variable: dict) -> str:
    query = variable.get("query")
    if isinstance(query, dict):
        return query.get("query", "")
    return query or ""


def iter_queries(name: str, dashboard: dict) -> Iterator[Query]:
    for panel in iter_panels(dashboard):
        for target in panel.get("targets", []):
            yield Query(name, f'panel "{panel.get("title")}" target {target.get("refId")}',
                        "panel", target.get("expr", ""), panel.get("title"),
                        target.get("refId"), target.get("legendFormat"))
    for annotation in dashboard.get("annotations", {}).get("list", []):
        expr = annotation.get("target", {}).get("expr") or annotation.get("expr", "")
        yield Query(name, f'annotation "{annotation.get("name")}"', "annotation", expr)
    for variable in variables(dashboard):
        if variable.get("type") == "query":
            yield Query(name, f'variable "{variable.get("name")}"', "variable",
                        variable_query(variable))


def custom_options(variable: dict) -> list[str]:
    """Values of a custom variable, parsed like Grafana ('a,b' or 'text : value')."""
    values = []
    for item in re.split(r"(?<!\\),", variable.get("query", "")):
        item = item.strip()
        if not item:
            continue
        text_value = re.split(r"\s+:\s+", item, maxsplit=1)
        values.append(text_value[-1])
    return values


def prometheus_escape(value: str) -> str:
    """Grafana's prometheusRegularEscape, used for single-valued variables."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def interpolate(expr: str, values: dict[str, str]) -> str:
    """Replace template variables like Grafana does; unknown ones stay as they are.

    Grafana leaves an unknown variable untouched, which is what makes label_replace's "$1"
    survive. Anything else left over is a typo: raise so the test names it.
    """

    def replace(match: re.Match) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        if name in values:
            return prometheus_escape(values[name])
        if name.isdigit():
            return match.group(0)
        raise KeyError(f"undefined template variable ${name} in {expr!r}")

    return VARIABLE_RE.sub(replace, expr)


def label_values_query(query: str) -> tuple[str | None, str]:
    """('up{job="web"}', 'instance') for label_values(up{job="web"}, instance)."""
    match = re.fullmatch(r"\s*label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)\s*", query, re.S)
    if not match:
        raise ValueError(f"unsupported variable query {query!r}")
    return match.group(1), match.group(2)


_STRIP = [
    re.compile(r'"(?:[^"\\]|\\.)*"'),  # string literals
    re.compile(r"\{[^}]*\}"),  # label matchers
    re.compile(r"\[[^\]]*\]"),  # range / subquery windows
    re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"),
]
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
             "unless", "bool", "offset", "inf", "nan", "Inf", "NaN", "atan2"}
_IDENT = re.compile(r"(?<![\w:.])[a-zA-Z_:][\w:]*")


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects (a regex tokenizer, good enough for our queries)."""
    text = expr
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    text = re.sub(r"\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b", " ", text)  # numbers
    names = set()
    for match in _IDENT.finditer(text):
        is_function = text[match.end():].lstrip().startswith("(")
        if not is_function and match.group(0) not in _KEYWORDS:
            names.add(match.group(0))
    return names
