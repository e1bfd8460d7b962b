"""Static checks and promtool unit tests for compose/prometheus/rules.

The promtool tests run the synthetic-series scenarios in compose/prometheus/tests; the
pure-Python tests enforce the conventions the rest of gameday relies on (rule names,
alert labels, loadgen rules kept in their own file) without needing promtool.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
PROM_DIR = REPO_ROOT / "compose" / "prometheus"
RULES_DIR = PROM_DIR / "rules"
TESTS_DIR = PROM_DIR / "tests"

# Prometheus loads rules/*.yml (see chaos/stack/prometheus.py), so that is the set to check.
RULE_FILES = sorted(RULES_DIR.glob("*.yml"))
TEST_FILES = sorted(TESTS_DIR.glob("*.test.yml"))

# Debian ships promtool in /usr/bin; fall back to that path explicitly in case PATH is
# trimmed (e.g. under a minimal CI environment).
PROMTOOL = shutil.which("promtool") or (
    "/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None
)
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not found on PATH or at /usr/bin/promtool (apt install prometheus)",
)

# level:metric:operations - https://prometheus.io/docs/practices/rules/
RULE_NAME = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z0-9][a-z0-9_]*$")
ALERT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
SEVERITIES = {"page", "ticket"}
# A rule name referenced inside an expression (recording rules always contain two colons).
RULE_REF = re.compile(r"\b[a-z_][a-z0-9_]*:[a-z0-9_]+:[a-z0-9_]+\b")
DURATION = re.compile(r"^\d+(ms|s|m|h)$")


def _load(path: Path) -> dict:
    with path.open() as f:
        return yaml.safe_load(f)


def _rules(path: Path) -> list[dict]:
    return [rule for group in _load(path)["groups"] for rule in group["rules"]]


def _all_rules() -> list[tuple[Path, dict]]:
    return [(path, rule) for path in RULE_FILES for rule in _rules(path)]


def _recording() -> list[tuple[Path, dict]]:
    return [(p, r) for p, r in _all_rules() if "record" in r]


def _alerts() -> list[tuple[Path, dict]]:
    return [(p, r) for p, r in _all_rules() if "alert" in r]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # slo.test.yml evaluates 72-minute windows every second: ~2 min of CPU on one core, which
    # took 3 min 40 s on a busy 2-core machine.
    return subprocess.run(
        [PROMTOOL, *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_files_exist():
    names = {p.name for p in RULE_FILES}
    assert {"recording.yml", "alerts.yml", "loadgen.yml"} <= names
    assert TEST_FILES, f"no *.test.yml in {TESTS_DIR}"


# --- promtool --------------------------------------------------------------------------


@needs_promtool
@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_promtool_check_rules(path: Path):
    result = _run("check", "rules", str(path))
    assert result.returncode == 0, (
        f"promtool check rules {path} failed:\n{result.stdout}\n{result.stderr}"
    )


@needs_promtool
@pytest.mark.timeout(660)
@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.name)
def test_promtool_test_rules(path: Path):
    # rule_files in a test file are resolved relative to the test file itself.
    result = _run("test", "rules", str(path))
    assert result.returncode == 0, (
        f"promtool test rules {path} failed:\n{result.stdout}\n{result.stderr}"
    )


# --- conventions ------------------------------------------------------------------------


def test_recording_rule_names_follow_convention():
    bad = [r["record"] for _, r in _recording() if not RULE_NAME.match(r["record"])]
    assert not bad, f"not level:metric:operations: {bad}"


def test_recording_rule_names_strip_total():
    # The convention strips _total once rate()/increase() has been applied.
    bad = [r["record"] for _, r in _recording() if "_total" in r["record"]]
    assert not bad, f"recording rule names must not contain _total: {bad}"


def test_recording_rule_names_are_unique():
    names = [r["record"] for _, r in _recording()]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"recording rules defined twice: {dupes}"


def test_window_in_name_matches_expression():
    # `...:ratio_rate15s` must really use [15s]: a name that lies about its window makes
    # every dashboard built on it wrong.
    for _, rule in _recording():
        ops = rule["record"].rsplit(":", 1)[1]
        match = re.search(r"(\d+(?:ms|s|m|h|d))$", ops)
        if match:
            window = match.group(1)
            assert f"[{window}]" in rule["expr"] or f"offset {window}" in rule["expr"], (
                f"{rule['record']} names window {window} but its expression does not use it"
            )


def test_alerts_have_severity_and_annotations():
    for path, rule in _alerts():
        name = rule["alert"]
        assert ALERT_NAME.match(name), f"{path.name}: alert name {name!r} is not CamelCase"
        labels = rule.get("labels") or {}
        assert labels.get("severity") in SEVERITIES, (
            f"{path.name}: {name} needs labels.severity in {sorted(SEVERITIES)}"
        )
        annotations = rule.get("annotations") or {}
        for key in ("summary", "description"):
            assert str(annotations.get(key, "")).strip(), f"{path.name}: {name} needs {key}"
        if "for" in rule:
            assert DURATION.match(str(rule["for"])), f"{name}: bad for: {rule['for']!r}"


def test_alert_names_are_unique():
    names = [r["alert"] for _, r in _alerts()]
    assert len(names) == len(set(names)), f"duplicate alert names in {names}"


def test_referenced_recording_rules_exist():
    defined = {r["record"] for _, r in _recording()}
    for path, rule in _all_rules():
        name = rule.get("alert") or rule.get("record")
        for ref in RULE_REF.findall(rule["expr"]):
            assert ref in defined, f"{path.name}: {name} uses undefined {ref}"


def test_loadgen_rules_live_in_loadgen_yml():
    # recording.yml must evaluate to data on a stack without a load generator, so it must
    # not touch loadgen metrics; loadgen.yml holds only rules that need them.
    for path, rule in _recording():
        uses_loadgen = "loadgen_" in rule["expr"]
        if path.name == "loadgen.yml":
            assert uses_loadgen, f"{rule['record']} does not need loadgen: move it"
        else:
            assert not uses_loadgen, f"{path.name}: {rule['record']} belongs in loadgen.yml"


def test_required_rules_present():
    records = {r["record"] for _, r in _recording()}
    required_records = {
        "job:http_requests:rate15s",
        "instance:http_requests:rate15s",
        "job:http_errors:ratio_rate15s",
        "instance:http_errors:ratio_rate15s",
        *(
            f"{lvl}:http_request_duration_seconds:p{q}_15s"
            for lvl in ("job", "instance")
            for q in (50, 95, 99)
        ),
        "instance:http_requests_in_flight:sum",
        "instance:event_loop_lag_seconds:max",
        "instance:process_cpu:rate15s",
        "instance:process_resident_memory_bytes:max",
        "job:up:sum",
        "job:etcd_has_leader:min",
        "job:etcd_leader_changes:increase1m",
        "job:loadgen_requests:rate15s",
        "job:loadgen_errors:ratio_rate15s",
        "job:loadgen_request_duration_seconds:p99_15s",
    }
    assert required_records <= records, f"missing: {sorted(required_records - records)}"
    alerts = {r["alert"] for _, r in _alerts()}
    required_alerts = {
        "InstanceDown",
        "HighErrorRatio",
        "HighLatencyP99",
        "StoreNoLeader",
        "StoreLeaderFlapping",
        "StoreQuotaNearlyFull",
        "ErrorBudgetBurnFast",
        "ErrorBudgetBurnSlow",
    }
    assert required_alerts <= alerts, f"missing: {sorted(required_alerts - alerts)}"


def _unit_tests() -> list[dict]:
    return [t for path in TEST_FILES for t in _load(path)["tests"]]


def test_every_alert_has_a_unit_test_that_fires_and_one_that_does_not():
    fires: set[str] = set()
    quiet: set[str] = set()
    for test in _unit_tests():
        for case in test.get("alert_rule_test", []):
            (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    alerts = {r["alert"] for _, r in _alerts()}
    assert not alerts - fires, f"alerts never tested firing: {sorted(alerts - fires)}"
    assert not alerts - quiet, f"alerts never tested quiet: {sorted(alerts - quiet)}"


def test_every_recording_rule_has_an_exact_value_test():
    tested = {
        ref
        for test in _unit_tests()
        for case in test.get("promql_expr_test", [])
        if case.get("exp_samples")
        for ref in RULE_REF.findall(case["expr"])
    }
    records = {r["record"] for _, r in _recording()}
    assert not records - tested, f"recording rules without a value test: {sorted(records - tested)}"
