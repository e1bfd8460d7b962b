"""The scrape-interval A/B changes only the jobs a variant names, on the config the stack
renders."""

from __future__ import annotations

import yaml

from bench.scrape_intervals import VARIANTS, with_intervals
from chaos.settings import Settings
from chaos.stack import prometheus
from chaos.stack.plan import build_plan


def shipped(tmp_path) -> str:
    return prometheus.render(build_plan(Settings(state_dir=tmp_path, ports="free")))


def test_a_variant_sets_the_intervals_of_its_jobs_and_keeps_the_rest(tmp_path):
    original = shipped(tmp_path)
    changed = yaml.safe_load(with_intervals(original, {"store": "2s", "prometheus": "5s"}))
    intervals = {job["job_name"]: job.get("scrape_interval") for job in changed["scrape_configs"]}
    assert intervals.pop("store") == "2s"
    assert intervals.pop("prometheus") == "5s"
    assert set(intervals.values()) == {None}  # the global 1 s
    assert changed["global"] == yaml.safe_load(original)["global"]
    assert changed["rule_files"] == yaml.safe_load(original)["rule_files"]


def test_every_variant_names_jobs_the_stack_scrapes(tmp_path):
    jobs = {job["job_name"] for job in yaml.safe_load(shipped(tmp_path))["scrape_configs"]}
    for intervals in VARIANTS.values():
        assert set(intervals) <= jobs
