"""Static checks of the Grafana dashboards and their provisioning (no stack, no Grafana).

tests/integration/test_dashboards_live.py runs every expression against a live Prometheus;
this file checks what can be checked from the files alone.
"""

from __future__ import annotations

import configparser
import re

import pytest
import yaml

from tests.dashboards.grafana import (
    BUILTINS_WIDE,
    DASHBOARD_DIR,
    DASHBOARD_UIDS,
    DATASOURCE_UID,
    GRAFANA_DIR,
    custom_options,
    interpolate,
    iter_panels,
    iter_queries,
    label_values_query,
    load_dashboards,
    metric_names,
    variables,
)

DASHBOARDS = load_dashboards()
NAMES = sorted(DASHBOARDS)
DATA_PANELS = {"timeseries", "stat", "gauge", "bargauge", "state-timeline", "table"}
NEEDS_UNIT = {"timeseries", "stat", "gauge", "bargauge"}
DURATION = re.compile(r"^(\d+)(ms|s|m|h|d)$")
SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(text: str) -> float:
    match = DURATION.match(text)
    assert match, f"not a Grafana duration: {text!r}"
    return int(match.group(1)) * SECONDS[match.group(2)]


def grid_overlaps(panels: list[dict]) -> list[tuple[str, str]]:
    boxes = [(p.get("title"), p["gridPos"]) for p in panels]
    clashes = []
    for i, (title_a, a) in enumerate(boxes):
        for title_b, b in boxes[i + 1:]:
            if (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
                    and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]):
                clashes.append((title_a, title_b))
    return clashes


def values_for(dashboard: dict) -> dict[str, str]:
    values = dict(BUILTINS_WIDE)
    for variable in variables(dashboard):
        values[variable["name"]] = "web-1" if variable["type"] == "query" else \
            custom_options(variable)[0]
    return values


def test_the_four_dashboards_exist_with_stable_uids():
    assert set(NAMES) == set(DASHBOARD_UIDS)
    for name, dashboard in DASHBOARDS.items():
        assert dashboard["uid"] == DASHBOARD_UIDS[name]
        assert dashboard["title"].startswith("gameday / ")
        assert dashboard.get("description")
        assert "gameday" in dashboard["tags"]
        assert "id" not in dashboard or dashboard["id"] is None  # provisioning assigns ids


@pytest.mark.parametrize("name", NAMES)
def test_refresh_is_5s_or_faster_and_1s_can_be_picked(name):
    dashboard = DASHBOARDS[name]
    assert seconds(dashboard["refresh"]) <= 5
    intervals = dashboard["timepicker"]["refresh_intervals"]
    assert "1s" in intervals
    assert dashboard["refresh"] in intervals


@pytest.mark.parametrize("name", NAMES)
def test_every_panel_target_annotation_and_variable_uses_the_fixed_datasource(name):
    dashboard = DASHBOARDS[name]
    wrong = []
    for panel in iter_panels(dashboard):
        if panel["type"] == "row":
            assert not panel.get("targets")
            continue
        if panel.get("datasource", {}).get("uid") != DATASOURCE_UID:
            wrong.append(f'panel "{panel["title"]}"')
        for target in panel.get("targets", []):
            if target.get("datasource", {}).get("uid") != DATASOURCE_UID:
                wrong.append(f'panel "{panel["title"]}" target {target.get("refId")}')
    for annotation in dashboard["annotations"]["list"]:
        if annotation.get("datasource", {}).get("uid") != DATASOURCE_UID:
            wrong.append(f'annotation "{annotation["name"]}"')
        if annotation.get("target", {}).get("datasource", {}).get("uid") != DATASOURCE_UID:
            wrong.append(f'annotation "{annotation["name"]}" target')
    for variable in variables(dashboard):
        if variable["type"] == "query" and variable["datasource"]["uid"] != DATASOURCE_UID:
            wrong.append(f'variable "{variable["name"]}"')
    assert wrong == []


@pytest.mark.parametrize("name", NAMES)
def test_panel_ids_are_unique_including_collapsed_rows(name):
    ids = [panel["id"] for panel in iter_panels(DASHBOARDS[name])]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("name", NAMES)
def test_panels_fit_the_grid_without_overlapping(name):
    dashboard = DASHBOARDS[name]
    top = dashboard["panels"]
    for panel in iter_panels(dashboard):
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["w"] > 0 and pos["x"] + pos["w"] <= 24, panel["title"]
    assert grid_overlaps(top) == []
    for row in top:
        if row["type"] == "row" and row.get("collapsed"):
            assert grid_overlaps(row["panels"]) == []
        elif row["type"] == "row":
            assert row["panels"] == [], f'expanded row "{row["title"]}" must not nest panels'


@pytest.mark.parametrize("name", NAMES)
def test_data_panels_have_title_description_unit_and_queries(name):
    problems = []
    for panel in iter_panels(DASHBOARDS[name]):
        if panel["type"] == "row":
            continue
        title = panel.get("title", "")
        if panel["type"] not in DATA_PANELS:
            problems.append(f"{title}: unexpected panel type {panel['type']}")
        if not title or not panel.get("description"):
            problems.append(f"{title or panel['id']}: missing title or description")
        if panel["type"] in NEEDS_UNIT and not panel["fieldConfig"]["defaults"].get("unit"):
            problems.append(f"{title}: no unit")
        refs = [t.get("refId") for t in panel.get("targets", [])]
        if not refs or len(refs) != len(set(refs)):
            problems.append(f"{title}: missing or duplicate refIds {refs}")
        if not all(t.get("expr", "").strip() for t in panel.get("targets", [])):
            problems.append(f"{title}: empty expression")
    assert problems == []


@pytest.mark.parametrize("name", NAMES)
def test_fault_windows_are_annotated_and_can_be_switched_off(name):
    dashboard = DASHBOARDS[name]
    faults = [a for a in dashboard["annotations"]["list"]
              if "chaos_faults_active" in a["target"]["expr"]]
    assert len(faults) == 1
    annotation = faults[0]
    assert annotation["enable"] is True
    assert "$show_faults" in annotation["target"]["expr"]
    assert "{{type}}" in annotation["titleFormat"] and "{{target}}" in annotation["titleFormat"]
    assert annotation["textFormat"]
    # Grafana's default annotation step is 60 s, far coarser than a 20 s fault.
    assert seconds(annotation["target"]["interval"]) <= 1
    switch = {v["name"]: v for v in variables(dashboard)}["show_faults"]
    assert switch["type"] == "custom"
    assert custom_options(switch) == ["on", "off"]
    assert switch["current"]["value"] == "on"


@pytest.mark.parametrize("name", NAMES)
def test_remediation_moves_are_annotated(name):
    [moves] = [a for a in DASHBOARDS[name]["annotations"]["list"]
               if "chaos_remediation_moves_total" in a["target"]["expr"]]
    assert moves["enable"] is True and "{{action}}" in moves["titleFormat"]
    assert seconds(moves["target"]["interval"]) <= 1


@pytest.mark.parametrize("name", NAMES)
def test_dashboards_link_to_each_other_keeping_time_and_variables(name):
    dashboard = DASHBOARDS[name]
    tag_links = [link for link in dashboard["links"] if link["type"] == "dashboards"]
    assert any("gameday" in link["tags"] and link["keepTime"] and link["includeVars"]
               for link in tag_links)
    # Panel links and data links only point at dashboards that exist.
    for panel in iter_panels(dashboard):
        links = panel.get("links", []) + panel.get("fieldConfig", {}).get(
            "defaults", {}).get("links", [])
        for link in links:
            for uid in re.findall(r"/d/([\w-]+)", link["url"]):
                assert uid in DASHBOARD_UIDS.values(), (panel["title"], link["url"])


def test_overview_has_an_instance_variable_and_a_per_instance_row():
    overview = DASHBOARDS["overview.json"]
    instance = {v["name"]: v for v in variables(overview)}["instance"]
    assert instance["type"] == "query"
    assert label_values_query(instance["definition"]) == ('up{job="web"}', "instance")
    assert instance["definition"] == instance["query"]["query"]
    rows = [p for p in overview["panels"] if p["type"] == "row" and "$instance" in p["title"]]
    assert len(rows) == 1 and rows[0]["collapsed"] and rows[0]["panels"]
    for panel in rows[0]["panels"]:
        for target in panel["targets"]:
            assert '$instance' in target["expr"], panel["title"]


def test_overview_puts_the_golden_signals_first():
    titles = [p["title"] for p in DASHBOARDS["overview.json"]["panels"] if p["type"] == "row"]
    assert titles[:3] == [
        "Now: the service at a glance",
        "Golden signals as users see them (load generator)",
        "Golden signals as servers see them (web tier and load balancer)",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_expression_interpolates_to_balanced_promql(name):
    dashboard = DASHBOARDS[name]
    for query in iter_queries(name, dashboard):
        expr = interpolate(query.expr, values_for(dashboard))
        assert "$__" not in expr and "$show_faults" not in expr and "$instance" not in expr
        for opening, closing in ("()", "{}", "[]"):
            assert expr.count(opening) == expr.count(closing), (query.where, expr)
        assert metric_names(query.expr), (query.where, "selects no metric")


def test_metric_name_tokenizer():
    expr = ('sum by (instance, le) (rate(x_bucket{job="a",route!~"/healthz|/m"}[$__rate_interval]))'
            ' * on (server) group_left (check) label_replace(vector(1), "c", "$1", "s", "(.*)")'
            ' or job:up:sum{job="web"} / 0.001 > bool 1e3')
    assert metric_names(expr) == {"x_bucket", "job:up:sum"}


def test_interpolation_follows_grafana():
    values = {"instance": "web-1", "__rate_interval": "15s"}
    assert interpolate('x{instance="$instance"}[$__rate_interval]', values) == \
        'x{instance="web-1"}[15s]'
    assert interpolate('${instance} [[instance]] "$1"', values) == 'web-1 web-1 "$1"'
    with pytest.raises(KeyError):
        interpolate("x[$__rate_intervall]", values)


def test_datasource_provisioning_has_the_fixed_uid():
    config = yaml.safe_load((GRAFANA_DIR / "provisioning/datasources/prometheus.yaml").read_text())
    assert config["apiVersion"] == 1
    (datasource,) = config["datasources"]
    assert datasource["uid"] == DATASOURCE_UID
    assert datasource["type"] == "prometheus"
    assert datasource["url"].startswith("http://")
    # The 1 s scrape interval: Grafana derives $__interval / $__rate_interval from it.
    assert datasource["jsonData"]["timeInterval"] == "1s"


def test_dashboard_provider_points_at_the_mounted_dashboards():
    config = yaml.safe_load((GRAFANA_DIR / "provisioning/dashboards/gameday.yaml").read_text())
    assert config["apiVersion"] == 1
    (provider,) = config["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
    assert DASHBOARD_DIR.name == "dashboards"


def test_grafana_allows_a_1s_refresh():
    ini = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
    ini.read(GRAFANA_DIR / "grafana.ini")
    assert ini["dashboards"]["min_refresh_interval"] == "1s"
    home = ini["dashboards"]["default_home_dashboard_path"]
    assert home.startswith("/var/lib/grafana/dashboards/")
    assert home.rsplit("/", 1)[1] in DASHBOARD_UIDS
