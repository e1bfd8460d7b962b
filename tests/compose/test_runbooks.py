"""Every alert pages or tickets with a summary, a description and a runbook that exists."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "compose" / "prometheus" / "rules" / "alerts.yml"
RUNBOOKS = ROOT / "docs" / "runbooks"
# Symptoms users feel page; causes the stack is built to survive are tickets.
PAGES = {"HighErrorRatio", "HighLatencyP99", "LbNoHealthyBackends", "StoreNoLeader",
         "StoreNoSpace", "ErrorBudgetBurnFast", "ConsistencyViolation"}


def alert_rules() -> list[dict]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_every_alert_has_summary_description_and_an_existing_runbook():
    rules = alert_rules()
    assert len(rules) >= 13
    for rule in rules:
        name, notes = rule["alert"], rule.get("annotations", {})
        assert notes.get("summary") and notes.get("description"), name
        assert notes.get("runbook_url") == f"docs/runbooks/{name}.md", name
        page = RUNBOOKS / f"{name}.md"
        assert page.is_file(), f"{name}: no runbook at {page}"
        assert page.read_text().startswith(f"# {name} ({rule['labels']['severity']})"), name


def test_symptoms_page_and_causes_ticket():
    severity = {rule["alert"]: rule["labels"]["severity"] for rule in alert_rules()}
    assert {n for n, s in severity.items() if s == "page"} == PAGES
    assert set(severity.values()) == {"page", "ticket"}


def test_the_runbook_index_lists_every_page_and_nothing_else():
    index = (RUNBOOKS / "README.md").read_text()
    pages = {p.stem for p in RUNBOOKS.glob("*.md")} - {"README"}
    assert pages == {rule["alert"] for rule in alert_rules()}
    for name in pages:
        assert f"[{name}]({name}.md)" in index, name
