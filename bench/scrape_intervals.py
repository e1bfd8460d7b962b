"""Does scraping less often make the stack lighter? An A/B of Prometheus scrape intervals on
one running stack at the default load (issue 13, item 3: a light stack at rest).

    .venv/bin/python -m bench.scrape_intervals [--seconds 20] [--rounds 3]

Each round samples the stack's CPU (bench/resources.py's per-component sample) once per
variant, with the variant's intervals written into the local Prometheus config and loaded
live (``/-/reload``), so every variant runs on the same processes, interleaved with the
others. Prints every sample and each variant's median total. Not part of ``make bench``: it
answers one question (the scrape intervals are the tuning knob people reach for first) and
its answer is in docs/benchmarks.md's goals table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

from bench import resources
from bench.stack import BenchStack
from chaos.state import StateDir

# Job name -> scrape interval; the other jobs keep the stack's 1 s.
VARIANTS: dict[str, dict[str, str]] = {
    "as shipped (every job 1 s)": {},
    "etcd members every 2 s": {"store": "2s"},
    "etcd 2 s, Prometheus and Alertmanager self-scrapes 5 s": {
        "store": "2s", "prometheus": "5s", "alertmanager": "5s"},
}


def with_intervals(config_text: str, intervals: dict[str, str]) -> str:
    """The rendered Prometheus config with per-job scrape intervals."""
    config = yaml.safe_load(config_text)
    for job in config["scrape_configs"]:
        if job["job_name"] in intervals:
            job["scrape_interval"] = intervals[job["job_name"]]
    return yaml.safe_dump(config, sort_keys=False)


def _load(stack: BenchStack, path: Path, text: str) -> None:
    path.write_text(text)
    answer = stack.http.post(f"{stack.prometheus}/-/reload")
    answer.raise_for_status()


def compare(stack: BenchStack, seconds: float, rounds: int) -> dict[str, list[float]]:
    path = StateDir(stack.root).component_dir("prometheus") / "prometheus.yml"
    shipped = path.read_text()
    totals: dict[str, list[float]] = {name: [] for name in VARIANTS}
    try:
        for round_ in range(rounds):
            for name, intervals in VARIANTS.items():
                _load(stack, path, with_intervals(shipped, intervals))
                time.sleep(4)  # the new intervals in force for a few scrapes
                usage = resources.sample(stack.pids(), seconds)
                total = sum(u["cpu_pct"] for u in usage.values())
                totals[name].append(total)
                parts = ", ".join(f"{k} {u['cpu_pct']}" for k, u in usage.items())
                print(f"round {round_ + 1}, {name}: {total:.1f}% of one core ({parts})",
                      flush=True)
    finally:
        _load(stack, path, shipped)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description="A/B of Prometheus scrape intervals")
    parser.add_argument("--seconds", type=float, default=20.0, help="each sample's window")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with BenchStack() as stack:
        stack.up()
        time.sleep(10)  # past start-up
        totals = compare(stack, args.seconds, args.rounds)
    for name, values in totals.items():
        print(f"{name}: median {statistics.median(values):.1f}% of one core "
              f"(samples {', '.join(f'{v:.1f}' for v in values)})")


if __name__ == "__main__":
    main()
