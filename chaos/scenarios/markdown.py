"""report.md of a run: verdict, hypothesis, timeline, measured times and charts."""

from __future__ import annotations

import time

from chaos.scenarios.model import Scenario
from chaos.scenarios.record import RunRecord


def _s(value: float | None, unit: str = "s") -> str:
    return "-" if value is None else f"{value:.1f}{unit}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def render(scenario: Scenario, record: RunRecord) -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.started_at))
    out = [
        f"# {record.title}: **{(record.verdict or 'unfinished').upper()}**", "",
        f"Run `{record.id}` of scenario `{record.scenario}` ({scenario.difficulty}), "
        f"started {started} by {record.source}, seed {record.seed}"
        f"{', forced past an unhealthy steady state' if record.forced else ''}.", "",
        f"**Verdict:** {record.verdict} - {record.reason}", "",
        scenario.description.strip(), "",
        "## Steady-state hypothesis", "",
        "| probe | query | want | before the run | must hold during faults |",
        "| --- | --- | --- | --- | --- |",
    ]
    before = {r.name: r for r in record.steady_state_before}
    for probe in scenario.steady_state:
        seen = before.get(probe.name)
        value = "-" if seen is None or seen.value is None else f"{seen.value:.4g}"
        out.append(f"| {probe.name} | `{probe.query}` | {probe.describe()} | {value} | "
                   f"{'yes' if probe.must_hold_during_faults else 'no'} |")
    out += ["", f"Recovery: the steady state must hold again within "
                f"{scenario.recover_within:g}s of the heal; it did "
                + (f"after {_s(record.recovered_after)}." if record.recovered_after is not None
                   else "not."), ""]
    if record.breaches:
        out += ["### Probes that broke", ""]
        out += [f"- `{b.probe}` at {b.t:.1f}s ({b.phase}): "
                f"{'no data' if b.value is None else f'{b.value:.4g}'}, want {b.expected}"
                for b in record.breaches]
        out.append("")
    out += [
        "## Faults", "",
        "| fault | targets | planned | applied | ended | time to detect | detected by "
        "| time to recover | worst error ratio | worst p99 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in record.faults:
        out.append(
            f"| {f.label} | {', '.join(f.targets) or f.error or '-'} | {_s(f.planned_at)} "
            f"| {_s(f.applied_at)} | {_s(f.ended_at)} | {_s(f.time_to_detect)} "
            f"| {', '.join(f.detected_by) or '-'} | {_s(f.time_to_recover)} "
            f"| {_pct(f.worst_error_ratio)} | {_ms(f.worst_p99_seconds)} |")
    budget = ("-" if record.error_budget_burned is None
              else f"{record.error_budget_burned * 100:.0f}%")
    out += ["", f"**Error budget burned** (99.9% SLO, web 5xx over the run's requests): "
                f"{budget} of the run's budget.", ""]
    if record.consistency is not None:
        c = record.consistency
        out += ["## Consistency (loadgen checker)", ""]
        if "error" in c:
            out.append(c["error"])
        else:
            out.append(f"{c.get('acknowledged_writes', 0)} acknowledged writes, "
                       f"{c.get('reads_checked', 0)} reads checked, violations: "
                       f"{c.get('violations') or 'none'}.")
        out.append("")
    out += ["## Charts", "", "Shaded bands are the fault windows.", ""]
    out += [f"![{name}]({name})" for name in record.charts]
    out += ["", "## Timeline", "", "| t | event | what |", "| --- | --- | --- |"]
    out += [f"| {e.t:.1f}s | {e.kind} | {e.message.replace('|', '/')} |" for e in record.events]
    out += ["", "## What the dashboards should show", ""]
    out += [f"- {signal}" for signal in scenario.expected_signals]
    if scenario.writeup:
        out += ["", "## What happens and why", "", scenario.writeup.strip()]
    return "\n".join(out) + "\n"
