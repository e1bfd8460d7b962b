"""A scenario as a Chaos Toolkit experiment that drives the stack through chaos.ctk.

- steady-state hypothesis: each probe becomes `chaos.ctk.probes.query_holds` (the runner's
  own judgement: worst series, NaN is no data, `when_missing`) with tolerance true;
- method: one `inject_fault` per strike, `pauses.before` keeping the timeline's offsets, then
  a pause to the end of the last fault and `wait_for_steady_state` for `recover_within`;
- rollbacks: `abort`, which reverts whatever is still active.

What Chaos Toolkit cannot express (abort conditions, `must_hold_during_faults`, expected
signals) is kept in the experiment's `extensions` entry named `gameday`, never dropped.
"""

from __future__ import annotations

from typing import Any

from chaos.export.timeline import seconds_text, timeline
from chaos.scenarios.model import Probe, Scenario

ACTIONS = "chaos.ctk.actions"
PROBES = "chaos.ctk.probes"
SECRETS = ["gameday"]


def _provider(module: str, func: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "python", "module": module, "func": func, "arguments": arguments,
            "secrets": SECRETS}


def _check(probe: Probe) -> dict[str, Any]:
    check: dict[str, Any] = {"name": probe.name, "query": probe.query}
    for key in ("below", "above", "equals"):
        if getattr(probe, key) is not None:
            check[key] = getattr(probe, key)
    check["when_missing"] = probe.when_missing
    return check


def _hypothesis_probe(probe: Probe) -> dict[str, Any]:
    arguments = {k: v for k, v in _check(probe).items() if k != "name"}
    return {"type": "probe", "name": probe.name, "tolerance": True,
            "provider": _provider(PROBES, "query_holds", **arguments)}


def to_chaostoolkit(scenario: Scenario, time_scale: float = 1.0) -> dict[str, Any]:
    strikes = timeline(scenario, time_scale)
    method: list[dict[str, Any]] = []
    clock = 0.0
    for strike in strikes:
        action: dict[str, Any] = {
            "type": "action", "name": strike.label,
            "provider": _provider(ACTIONS, "inject_fault", type=strike.step.type,
                                  target=strike.step.target,
                                  duration=seconds_text(strike.duration),
                                  params=strike.params),
        }
        if strike.start > clock:
            action["pauses"] = {"before": round(strike.start - clock, 3)}
        method.append(action)
        clock = strike.start
    last_end = max(s.end for s in strikes)
    if last_end > clock:
        method[-1].setdefault("pauses", {})["after"] = round(last_end - clock, 3)
    method.append({
        "type": "probe", "name": "steady state is back",
        "provider": _provider(PROBES, "wait_for_steady_state",
                              checks=[_check(p) for p in scenario.steady_state],
                              within=seconds_text(scenario.recover_within)),
    })
    return {
        "version": "1.0.0",
        "title": scenario.title,
        "description": scenario.description.strip(),
        "tags": ["gameday", scenario.name, scenario.difficulty],
        "configuration": {
            "gameday_state_dir": {"type": "env", "key": "GAMEDAY_STATE_DIR",
                                  "default": "~/.local/state/gameday"},
        },
        "steady-state-hypothesis": {
            "title": f"{scenario.title}: steady state",
            "probes": [_hypothesis_probe(p) for p in scenario.steady_state],
        },
        "method": method,
        "rollbacks": [{"type": "action", "name": "revert every fault",
                       "provider": _provider(ACTIONS, "abort")}],
        "extensions": [{
            "name": "gameday",
            "scenario": scenario.name,
            "seed": scenario.seed,
            "time_scale": time_scale,
            "recover_within": scenario.recover_within,
            "not_exported": _not_exported(scenario),
            "expected_signals": scenario.expected_signals,
        }],
    }


def _not_exported(scenario: Scenario) -> list[dict[str, str]]:
    """What the experiment cannot check, said in the file and in docs/interop.md."""
    missing = [{"what": f"abort condition {a.name!r}",
                "why": "Chaos Toolkit has no abort conditions; stop with Ctrl-C (rollbacks run) "
                       "or `gameday abort`",
                "query": f"{a.query} {a.describe()} for {a.for_:g}s"}
               for a in scenario.abort_when]
    missing += [{"what": f"probe {p.name!r} must hold during faults",
                 "why": "the hypothesis is checked before and after the method only"}
                for p in scenario.steady_state if p.must_hold_during_faults]
    return missing
